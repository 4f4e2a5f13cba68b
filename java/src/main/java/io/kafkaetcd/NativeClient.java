package io.kafkaetcd;

/**
 * The native methods (Rust: src/jni/mod.rs). Handles are registry numbers,
 * not pointers. Every method converts native errors and panics into Java
 * exceptions; none calls back into Java. Loaded by {@link NativeLoader}.
 */
final class NativeClient {
    private NativeClient() {
    }

    /** Connects (blocking) and returns a handle. */
    static native long open(String connectString, int sessionTimeoutMs, int connectTimeoutMs, int requestTimeoutMs,
                            String namespace, int maxDataBytes, int maxInFlight, byte[] security) throws KeeperException;

    /** Queues an encoded batch; returns the first request's sequence number. */
    static native long submit(long handle, byte[] requests) throws KeeperException;

    /** Runs one encoded request, blocking; returns one completion record (seq -1). */
    static native byte[] call(long handle, byte[] request) throws KeeperException;

    /** The client's next records (completions in request order, events), or null after maxWaitMs. */
    static native byte[] poll(long handle, int maxWaitMs);

    /** Ends the session (blocking, idempotent) and queues the final CLOSED record. */
    static native void close(long handle);

    static native long sessionId(long handle) throws KeeperException;

    static native int sessionTimeoutMs(long handle) throws KeeperException;

    /** 0 connecting, 1 connected, 2 disconnected, 3 expired, 4 closed. */
    static native int state(long handle);

    /** Installs the native logger with a level: 0 off, 1 error, 2 warn, 3 info, 4 debug, 5 trace. */
    static native void initLogging(int level);

    static native void setLogLevel(int level);

    /** Queued native log records (int level, str target, str message)*, or null after maxWaitMs. */
    static native byte[] pollLogs(int maxWaitMs);

    static native String nativeVersion();
}
