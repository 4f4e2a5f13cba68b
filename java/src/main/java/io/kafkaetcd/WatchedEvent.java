package io.kafkaetcd;

import java.util.Objects;

/**
 * A watch firing or a session state change, as ZooKeeper's {@code WatchedEvent}:
 * state changes have type {@link EventType#None} and a null path.
 */
public final class WatchedEvent {
    private final EventType type;
    private final KeeperState state;
    private final String path;

    public WatchedEvent(EventType type, KeeperState state, String path) {
        this.type = type;
        this.state = state;
        this.path = path;
    }

    public EventType getType() { return type; }
    public KeeperState getState() { return state; }
    public String getPath() { return path; }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof WatchedEvent)) {
            return false;
        }
        WatchedEvent e = (WatchedEvent) o;
        return type == e.type && state == e.state && Objects.equals(path, e.path);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, state, path);
    }

    @Override
    public String toString() {
        return "WatchedEvent state:" + state + " type:" + type + " path:" + path;
    }
}
