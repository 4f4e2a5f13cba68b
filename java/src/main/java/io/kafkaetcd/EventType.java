package io.kafkaetcd;

/** ZooKeeper's {@code Watcher.Event.EventType}, same names and numbers. */
public enum EventType {
    None(-1),
    NodeCreated(1),
    NodeDeleted(2),
    NodeDataChanged(3),
    NodeChildrenChanged(4);

    private final int intValue;

    EventType(int intValue) {
        this.intValue = intValue;
    }

    public int getIntValue() {
        return intValue;
    }

    static EventType fromInt(int v) {
        for (EventType t : values()) {
            if (t.intValue == v) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown event type " + v);
    }
}
