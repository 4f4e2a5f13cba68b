package io.kafkaetcd;

/**
 * Told of session state changes (SyncConnected, Disconnected, Expired, Closed)
 * on the client's dispatcher thread, after the default watcher saw the same
 * {@link EventType#None} event.
 */
@FunctionalInterface
public interface SessionStateListener {
    void onStateChange(KeeperState state);
}
