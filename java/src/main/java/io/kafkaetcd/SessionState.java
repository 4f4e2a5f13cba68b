package io.kafkaetcd;

/** A client's session state, as ZooKeeper's {@code ZooKeeper.States} (with EXPIRED kept apart from CLOSED). */
public enum SessionState {
    CONNECTING,
    CONNECTED,
    DISCONNECTED,
    EXPIRED,
    CLOSED;

    /** False once the session is over: then every request fails with SESSIONEXPIRED. */
    public boolean isAlive() {
        return this != EXPIRED && this != CLOSED;
    }

    public boolean isConnected() {
        return this == CONNECTED;
    }

    /** The native state number (the engine's {@code SessionState}). */
    static SessionState fromNative(int v) {
        switch (v) {
            case 0: return CONNECTING;
            case 1: return CONNECTED;
            case 2: return DISCONNECTED;
            case 3: return EXPIRED;
            default: return CLOSED;
        }
    }
}
