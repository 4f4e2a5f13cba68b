//! Every way a native call can fail, and the ONE place that turns it into a
//! Java exception. Each exported function runs its body through [`guard`],
//! which also catches panics: since Rust 1.81 a panic unwinding out of an
//! `extern "system"` function aborts the whole JVM.
//!
//! Mapping (Java side of each variant):
//! - `Zk`       -> the `io.kafkaetcd.KeeperException` subclass for the code,
//!   built by the Java factory `KeeperException.create(int, String)`
//! - `Closed`   -> `KeeperException.SessionExpiredException` "client is closed"
//! - `BadInput` -> `IllegalArgumentException` (a malformed request encoding)
//! - `Internal` -> `IllegalStateException` (a bug or a panic; the JVM lives on)
//! - `Jni`      -> the Java exception already pending, else `IllegalStateException`

use std::any::Any;
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Once, OnceLock};

use jni::objects::{GlobalRef, JClass, JObject, JStaticMethodID, JValue};
use jni::signature::ReturnType;
use jni::JNIEnv;

use crate::znode::{Code, ZkError};

#[derive(Debug)]
pub enum BridgeError {
    Zk(ZkError),
    Closed,
    BadInput(String),
    Internal(String),
    Jni(jni::errors::Error),
}

impl From<jni::errors::Error> for BridgeError {
    fn from(e: jni::errors::Error) -> Self {
        BridgeError::Jni(e)
    }
}

impl From<ZkError> for BridgeError {
    fn from(e: ZkError) -> Self {
        BridgeError::Zk(e)
    }
}

pub type BridgeResult<T> = Result<T, BridgeError>;

/// Runs one entry point's body: panics and errors become a pending Java
/// exception and the entry point returns `on_error` (ignored by the JVM
/// once an exception is pending).
pub fn guard<'local, T>(
    env: &mut JNIEnv<'local>,
    entry: &'static str,
    on_error: T,
    body: impl FnOnce(&mut JNIEnv<'local>) -> BridgeResult<T>,
) -> T {
    install_panic_hook();
    let outcome = catch_unwind(AssertUnwindSafe(|| body(env)));
    let err = match outcome {
        Ok(Ok(v)) => return v,
        Ok(Err(e)) => e,
        Err(payload) => BridgeError::Internal(format!("kafka-etcd native panic in {entry}: {}", panic_text(payload))),
    };
    // Throwing must not panic either: a failure here leaves no exception,
    // which Java sees as the on_error value; log it so it is not silent.
    let thrown = catch_unwind(AssertUnwindSafe(|| throw(env, err)));
    if !matches!(thrown, Ok(true)) {
        log::error!(target: "kafka_etcd::jni", "could not raise a Java exception in {entry}");
    }
    on_error
}

/// Raises `err` in Java; true when an exception is pending afterwards.
fn throw(env: &mut JNIEnv<'_>, err: BridgeError) -> bool {
    if env.exception_check().unwrap_or(false) {
        return true; // a JNI call already raised the real cause
    }
    let done = match err {
        BridgeError::Zk(e) => throw_keeper(env, e.code, &e.message),
        BridgeError::Closed => throw_keeper(env, Code::SessionExpired, "client is closed"),
        BridgeError::BadInput(m) => env.throw_new("java/lang/IllegalArgumentException", m).is_ok(),
        BridgeError::Internal(m) => env.throw_new("java/lang/IllegalStateException", m).is_ok(),
        BridgeError::Jni(e) => {
            env.throw_new("java/lang/IllegalStateException", format!("kafka-etcd JNI error: {e}")).is_ok()
        }
    };
    done || env.exception_check().unwrap_or(false)
}

/// `KeeperException.create(int, String)`, cached: entry points always run on
/// Java threads, so the lookup uses the class loader of our own classes.
struct KeeperFactory {
    class: GlobalRef,
    create: JStaticMethodID,
}

static KEEPER: OnceLock<KeeperFactory> = OnceLock::new();

fn keeper_factory(env: &mut JNIEnv<'_>) -> jni::errors::Result<&'static KeeperFactory> {
    if let Some(f) = KEEPER.get() {
        return Ok(f);
    }
    let class = env.find_class("io/kafkaetcd/KeeperException")?;
    let create = env.get_static_method_id(&class, "create", "(ILjava/lang/String;)Lio/kafkaetcd/KeeperException;")?;
    let class = env.new_global_ref(class)?;
    Ok(KEEPER.get_or_init(|| KeeperFactory { class, create }))
}

fn throw_keeper(env: &mut JNIEnv<'_>, code: Code, message: &str) -> bool {
    let raised = (|| -> jni::errors::Result<()> {
        let f = keeper_factory(env)?;
        let msg = env.new_string(message)?;
        let class: &JClass = f.class.as_obj().into();
        // SAFETY: the method id was looked up on this class with this signature.
        let ex = unsafe {
            env.call_static_method_unchecked(
                class,
                f.create,
                ReturnType::Object,
                &[JValue::Int(code.value()).as_jni(), JValue::Object(&msg).as_jni()],
            )
        }?
        .l()?;
        env.throw(jni::objects::JThrowable::from(ex))
    })();
    match raised {
        Ok(()) => true,
        Err(_) if env.exception_check().unwrap_or(false) => true,
        Err(e) => env
            .throw_new(
                "java/lang/IllegalStateException",
                format!("{} ({}): {message} [{e}]", code.name(), code.value()),
            )
            .is_ok(),
    }
}

// A panic's message and place, kept by the hook for the exception text; the
// default hook would print to stderr, which a JVM host does not expect.
thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let place = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
            let text = format!("{}{place}", payload_str(info.payload()));
            log::error!(target: "kafka_etcd::panic", "panic on thread {}: {text}", std::thread::current().name().unwrap_or("(a JVM thread)"));
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(text));
        }));
    });
}

fn panic_text(payload: Box<dyn Any + Send>) -> String {
    LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_else(|| payload_str(payload.as_ref()).to_string())
}

fn payload_str(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "(non-string panic payload)"
    }
}

/// A null Java object handed to a native method.
pub fn non_null<'a>(obj: &JObject<'a>, what: &str) -> BridgeResult<()> {
    if obj.is_null() {
        return Err(BridgeError::BadInput(format!("{what} must not be null")));
    }
    Ok(())
}
