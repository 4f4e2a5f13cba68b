//! Bodies of the test-only native methods (`io.kafkaetcd.NativeTesting`,
//! in the Java tests). They are exported by the separate testing library
//! (`jni-testing/`, `libkafka_etcd_jni_testing.so`), never by the release
//! library: nothing here is `#[no_mangle]`, so the release `.so` carries no
//! symbol for them (checked by `scripts/test.sh` with `nm`).
//!
//! The testing library links this crate whole, so the Java tests load it
//! instead of the release library and run the same code plus these entries.

use jni::objects::{JClass, JString};
use jni::sys::{jboolean, jstring};
use jni::JNIEnv;

use crate::engine::ClientOptions;
use crate::znode::keys::validate_namespace;

use super::error::guard;
use super::read_string;

/// `static native void panicForTest(String message)`: panics on purpose, so
/// tests can check that a panic becomes a Java exception and the JVM lives.
pub fn panic_for_test<'l>(mut env: JNIEnv<'l>, _class: JClass<'l>, message: JString<'l>) {
    guard(&mut env, "panicForTest", (), |env| {
        let m = read_string(env, &message, "message")?;
        panic!("{m}");
    })
}

/// `static native String defaults()`: the engine's `ClientOptions::default()`
/// as `name=value` lines named as `io.kafkaetcd.ClientConfig`'s getters, so
/// a Java test checks that the Java defaults are the engine's.
pub fn defaults<'l>(mut env: JNIEnv<'l>, _class: JClass<'l>) -> jstring {
    guard(&mut env, "defaults", std::ptr::null_mut(), |env| Ok(env.new_string(defaults_text())?.into_raw()))
}

fn defaults_text() -> String {
    let o = ClientOptions::default();
    [
        format!("sessionTimeoutMs={}", o.session_timeout.as_millis()),
        format!("connectTimeoutMs={}", o.connect_timeout.as_millis()),
        format!("requestTimeoutMs={}", o.request_timeout.as_millis()),
        format!("namespace={}", o.namespace),
        format!("maxDataBytes={}", o.max_data_bytes),
        format!("maxInFlight={}", o.max_in_flight),
    ]
    .join("\n")
}

/// `static native boolean namespaceAccepted(String namespace)`: whether the
/// engine accepts the namespace, so a Java test checks `ClientConfig`'s rule
/// against the engine's (`znode::keys::validate_namespace`).
pub fn namespace_accepted<'l>(mut env: JNIEnv<'l>, _class: JClass<'l>, namespace: JString<'l>) -> jboolean {
    guard(&mut env, "namespaceAccepted", 0, |env| {
        Ok(validate_namespace(&read_string(env, &namespace, "namespace")?).is_ok() as jboolean)
    })
}
