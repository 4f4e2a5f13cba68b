package io.kafkaetcd;

/**
 * Test-only native methods. They live in the testing library
 * (jni-testing/, libkafka_etcd_jni_testing.so: the release code plus these),
 * which the tests load through {@code -Dkafkaetcd.native.path} (java/pom.xml);
 * the release library in the jar does not export them.
 */
final class NativeTesting {
    private NativeTesting() {
    }

    /** Panics inside the native library on purpose (tests check it becomes an exception). */
    static native void panicForTest(String message);

    /** The engine's ClientOptions defaults as {@code name=value} lines, named as ClientConfig's getters. */
    static native String defaults();

    /** Whether the engine accepts {@code namespace} (its rule, to compare with ClientConfig's). */
    static native boolean namespaceAccepted(String namespace);
}
