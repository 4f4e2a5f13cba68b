//! Exports the test-only native methods of `io.kafkaetcd.NativeTesting`
//! (java/src/test); their bodies live in `kafka_etcd::jni_testing`. Every
//! release native (`Java_io_kafkaetcd_NativeClient_*`) is exported here too,
//! from the linked crate, so this one library serves the whole Java test run.

use jni::objects::{JClass, JString};
use jni::sys::{jboolean, jstring};
use jni::JNIEnv;

use kafka_etcd::jni_testing;

#[no_mangle]
pub extern "system" fn Java_io_kafkaetcd_NativeTesting_panicForTest<'l>(
    env: JNIEnv<'l>,
    class: JClass<'l>,
    message: JString<'l>,
) {
    jni_testing::panic_for_test(env, class, message)
}

#[no_mangle]
pub extern "system" fn Java_io_kafkaetcd_NativeTesting_defaults<'l>(env: JNIEnv<'l>, class: JClass<'l>) -> jstring {
    jni_testing::defaults(env, class)
}

#[no_mangle]
pub extern "system" fn Java_io_kafkaetcd_NativeTesting_namespaceAccepted<'l>(
    env: JNIEnv<'l>,
    class: JClass<'l>,
    namespace: JString<'l>,
) -> jboolean {
    jni_testing::namespace_accepted(env, class, namespace)
}
