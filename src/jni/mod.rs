//! The JNI binding: the native methods of `io.kafkaetcd.NativeClient`.
//!
//! Files mirror the Java classes they serve:
//! - `executor`: the one process-wide tokio runtime (never attached to the JVM);
//! - `error`:    errors and panics -> Java exceptions, in one place;
//! - `codec`:    the binary request/reply encoding (`io.kafkaetcd.Wire`);
//! - `dispatch`: a client's ordered queue to its Java dispatcher thread (`Dispatcher`);
//! - `logging`:  `log` records queued for the Java log thread (`NativeLogging`);
//! - `testing`:  test-only natives, exported by the testing library only (`jni-testing/`).
//!
//! Threads: every function here runs on a Java thread and returns quickly,
//! except the three that block by design (`open`/`call`/`close` block on the
//! runtime; `poll`/`pollLogs` wait for records). No runtime thread ever calls
//! Java, so nothing is attached and the JVM can always exit.
//!
//! Handles are numbers looked up in a registry, never pointers, so a stale
//! or forged handle from Java is an exception, not memory corruption.

mod codec;
mod dispatch;
mod error;
mod executor;
mod logging;
#[doc(hidden)]
pub mod testing;
#[cfg(test)]
mod wire_golden;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use jni::objects::{JByteArray, JClass, JString};
use jni::sys::{jbyteArray, jint, jlong, jstring};
use jni::JNIEnv;

use crate::engine::{ClientOptions, SessionState, ZkClient};

use codec::Writer;
use dispatch::Dispatch;
use error::{guard, non_null, BridgeError, BridgeResult};
use executor::runtime;

/// One open client as Java knows it.
struct Native {
    client: ZkClient,
    dispatch: Arc<Dispatch>,
    /// The next request sequence number. Held while requests are handed to
    /// the engine, so sequence order is the engine's execution order.
    next_seq: Mutex<i64>,
    closing: AtomicBool,
    request_timeout: Duration,
}

fn registry() -> &'static RwLock<HashMap<i64, Arc<Native>>> {
    static CLIENTS: OnceLock<RwLock<HashMap<i64, Arc<Native>>>> = OnceLock::new();
    CLIENTS.get_or_init(Default::default)
}

static NEXT_HANDLE: AtomicI64 = AtomicI64::new(1);

/// The client behind `handle`; a closed (forgotten) one is SESSIONEXPIRED.
fn lookup(handle: jlong) -> BridgeResult<Arc<Native>> {
    let map = registry().read().unwrap_or_else(|e| e.into_inner());
    map.get(&handle).cloned().ok_or(BridgeError::Closed)
}

fn forget(handle: jlong) {
    registry().write().unwrap_or_else(|e| e.into_inner()).remove(&handle);
}

fn millis(what: &str, v: jint) -> BridgeResult<Duration> {
    if v <= 0 {
        return Err(BridgeError::BadInput(format!("{what} must be positive, got {v}")));
    }
    Ok(Duration::from_millis(v as u64))
}

fn read_bytes(env: &mut JNIEnv<'_>, arr: &JByteArray<'_>, what: &str) -> BridgeResult<Vec<u8>> {
    non_null(arr, what)?;
    Ok(env.convert_byte_array(arr)?)
}

fn read_string(env: &mut JNIEnv<'_>, s: &JString<'_>, what: &str) -> BridgeResult<String> {
    non_null(s, what)?;
    Ok(env.get_string(s)?.into())
}

fn to_java(env: &mut JNIEnv<'_>, bytes: Option<Vec<u8>>) -> BridgeResult<jbyteArray> {
    match bytes {
        None => Ok(std::ptr::null_mut()),
        Some(b) => Ok(env.byte_array_from_slice(&b)?.into_raw()),
    }
}

/// `static native long open(String connectString, int sessionTimeoutMs,
/// int connectTimeoutMs, int requestTimeoutMs, String namespace,
/// int maxDataBytes, int maxInFlight, byte[] security)`: connects (blocking)
/// and returns a handle. `security` is TLS and the etcd user (codec.rs).
#[no_mangle]
pub extern "system" fn Java_io_kafkaetcd_NativeClient_open<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    connect: JString<'l>,
    session_timeout_ms: jint,
    connect_timeout_ms: jint,
    request_timeout_ms: jint,
    namespace: JString<'l>,
    max_data_bytes: jint,
    max_in_flight: jint,
    security: JByteArray<'l>,
) -> jlong {
    guard(&mut env, "open", 0, |env| {
        let connect = read_string(env, &connect, "connectString")?;
        let (tls, credentials) = codec::decode_security(&read_bytes(env, &security, "security")?)?;
        let namespace = read_string(env, &namespace, "namespace")?;
        let request_timeout = millis("requestTimeoutMs", request_timeout_ms)?;
        let dispatch = Dispatch::new();
        let sink = dispatch.clone();
        let options = ClientOptions {
            session_timeout: millis("sessionTimeoutMs", session_timeout_ms)?,
            connect_timeout: millis("connectTimeoutMs", connect_timeout_ms)?,
            request_timeout,
            namespace,
            max_data_bytes: max_data_bytes.max(0) as usize,
            max_in_flight: max_in_flight.max(1) as usize,
            watcher: Some(Arc::new(move |e| sink.event(&e))),
            tls,
            credentials,
            ..ClientOptions::default()
        };
        let client = runtime()?.block_on(ZkClient::connect(&connect, options))?;
        let handle = NEXT_HANDLE.fetch_add(1, Ordering::Relaxed);
        let native =
            Native { client, dispatch, next_seq: Mutex::new(0), closing: AtomicBool::new(false), request_timeout };
        registry().write().unwrap_or_else(|e| e.into_inner()).insert(handle, Arc::new(native));
        Ok(handle)
    })
}

/// `static native long submit(long handle, byte[] requests)`: queues a batch
/// without waiting and returns the sequence number of its first request
/// (the others follow consecutively). Answers arrive through `poll`.
#[no_mangle]
pub extern "system" fn Java_io_kafkaetcd_NativeClient_submit<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
    requests: JByteArray<'l>,
) -> jlong {
    guard(&mut env, "submit", -1, |env| {
        let native = lookup(handle)?;
        let decoded = codec::decode_batch(&read_bytes(env, &requests, "requests")?)?;
        let rt = runtime()?;
        let _in_runtime = rt.enter(); // the engine spawns its request tasks
        let mut next = native.next_seq.lock().unwrap_or_else(|e| e.into_inner());
        if native.closing.load(Ordering::Acquire) {
            return Err(BridgeError::Closed);
        }
        let first = *next;
        for (seq, d) in (first..).zip(decoded) {
            // Each answer goes to the dispatch reorder buffer from the task
            // that ends its request; the buffer hands them to Java in seq order.
            let done = dispatch::completion(&native.dispatch, seq);
            match d {
                Ok(req) => native.client.submit_then(req, done),
                Err(e) => done.answer(Err(e)),
            }
            *next += 1;
        }
        Ok(first)
    })
}

/// `static native byte[] call(long handle, byte[] request)`: runs one request
/// and blocks the calling thread for its answer (one COMPLETION record, seq
/// -1). For blocking calls made on the dispatcher thread, which cannot wait
/// for its own queue.
#[no_mangle]
pub extern "system" fn Java_io_kafkaetcd_NativeClient_call<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
    request: JByteArray<'l>,
) -> jbyteArray {
    guard(&mut env, "call", std::ptr::null_mut(), |env| {
        let native = lookup(handle)?;
        let decoded = codec::decode_one(&read_bytes(env, &request, "request")?)?;
        let rt = runtime()?;
        let result = match decoded {
            Err(e) => Err(e),
            Ok(req) => {
                let answer = {
                    let _in_runtime = rt.enter();
                    let _order = native.next_seq.lock().unwrap_or_else(|e| e.into_inner());
                    if native.closing.load(Ordering::Acquire) {
                        return Err(BridgeError::Closed);
                    }
                    native.client.submit(req)
                };
                rt.block_on(answer)
            }
        };
        let mut record = Vec::with_capacity(128);
        Writer(&mut record).completion(-1, &result);
        to_java(env, Some(record))
    })
}

/// `static native byte[] poll(long handle, int maxWaitMs)`: the next records
/// for the dispatcher thread, or null after `maxWaitMs` without any. After
/// the CLOSED record has been handed out the handle is forgotten.
#[no_mangle]
pub extern "system" fn Java_io_kafkaetcd_NativeClient_poll<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
    max_wait_ms: jint,
) -> jbyteArray {
    guard(&mut env, "poll", std::ptr::null_mut(), |env| {
        let Ok(native) = lookup(handle) else {
            let mut closed = Vec::new();
            Writer(&mut closed).closed();
            return to_java(env, Some(closed));
        };
        let (batch, finished) = native.dispatch.poll(Duration::from_millis(max_wait_ms.max(0) as u64));
        if finished {
            forget(handle);
        }
        to_java(env, batch)
    })
}

/// `static native void close(long handle)`: lets earlier requests finish
/// (bounded by the request timeout), ends the session (ephemeral nodes
/// deleted, lease revoked, `Closed` event), then queues CLOSED. Blocking;
/// idempotent; a second concurrent caller returns at once.
#[no_mangle]
pub extern "system" fn Java_io_kafkaetcd_NativeClient_close<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
) {
    guard(&mut env, "close", (), |_env| {
        let Ok(native) = lookup(handle) else { return Ok(()) };
        let end = {
            let next = native.next_seq.lock().unwrap_or_else(|e| e.into_inner());
            if native.closing.swap(true, Ordering::AcqRel) {
                return Ok(());
            }
            *next
        };
        native.dispatch.wait_delivered(end, native.request_timeout + Duration::from_secs(1));
        let closed = runtime().map(|rt| rt.block_on(native.client.close()));
        native.dispatch.close(); // even if the runtime is gone: Java must be released
        closed
    })
}

/// `static native long sessionId(long handle)`: the etcd lease id.
#[no_mangle]
pub extern "system" fn Java_io_kafkaetcd_NativeClient_sessionId<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
) -> jlong {
    guard(&mut env, "sessionId", 0, |_env| Ok(lookup(handle)?.client.session_id()))
}

/// `static native int sessionTimeoutMs(long handle)`: the granted lease TTL.
#[no_mangle]
pub extern "system" fn Java_io_kafkaetcd_NativeClient_sessionTimeoutMs<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
) -> jint {
    guard(&mut env, "sessionTimeoutMs", 0, |_env| {
        Ok(lookup(handle)?.client.session_timeout().as_millis().min(i32::MAX as u128) as jint)
    })
}

/// `static native int state(long handle)`: the engine's `SessionState`
/// number (0 connecting, 1 connected, 2 disconnected, 3 expired, 4 closed).
#[no_mangle]
pub extern "system" fn Java_io_kafkaetcd_NativeClient_state<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
) -> jint {
    guard(&mut env, "state", SessionState::Closed as jint, |_env| {
        Ok(lookup(handle).map_or(SessionState::Closed, |n| n.client.state()) as jint)
    })
}

/// `static native void initLogging(int level)`: installs the queueing logger.
#[no_mangle]
pub extern "system" fn Java_io_kafkaetcd_NativeClient_initLogging<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    level: jint,
) {
    guard(&mut env, "initLogging", (), |_env| {
        logging::init(level);
        Ok(())
    })
}

/// `static native void setLogLevel(int level)`: 0 off .. 5 trace.
#[no_mangle]
pub extern "system" fn Java_io_kafkaetcd_NativeClient_setLogLevel<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    level: jint,
) {
    guard(&mut env, "setLogLevel", (), |_env| {
        logging::set_level(level);
        Ok(())
    })
}

/// `static native byte[] pollLogs(int maxWaitMs)`: queued log records, or null.
#[no_mangle]
pub extern "system" fn Java_io_kafkaetcd_NativeClient_pollLogs<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    max_wait_ms: jint,
) -> jbyteArray {
    guard(&mut env, "pollLogs", std::ptr::null_mut(), |env| {
        let batch = logging::poll(Duration::from_millis(max_wait_ms.max(0) as u64));
        to_java(env, batch)
    })
}

/// `static native String nativeVersion()`: the crate version, to check the
/// loaded library matches the jar.
#[no_mangle]
pub extern "system" fn Java_io_kafkaetcd_NativeClient_nativeVersion<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
) -> jstring {
    guard(&mut env, "nativeVersion", std::ptr::null_mut(), |env| {
        Ok(env.new_string(env!("CARGO_PKG_VERSION"))?.into_raw())
    })
}
