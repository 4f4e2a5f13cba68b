package io.kafkaetcd;

/** ZooKeeper's {@code Watcher.Event.KeeperState} (the states this client reports), same names and numbers. */
public enum KeeperState {
    Disconnected(0),
    SyncConnected(3),
    AuthFailed(4),
    Expired(-112),
    Closed(7);

    private final int intValue;

    KeeperState(int intValue) {
        this.intValue = intValue;
    }

    public int getIntValue() {
        return intValue;
    }

    static KeeperState fromInt(int v) {
        for (KeeperState s : values()) {
            if (s.intValue == v) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown keeper state " + v);
    }
}
