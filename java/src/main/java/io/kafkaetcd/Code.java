package io.kafkaetcd;

import java.util.HashMap;
import java.util.Map;

/**
 * ZooKeeper's result codes with ZooKeeper's numbers ({@code KeeperException.Code}),
 * mirroring {@code kafka_etcd::Code} one to one.
 */
public enum Code {
    OK(0),
    SYSTEMERROR(-1),
    RUNTIMEINCONSISTENCY(-2),
    DATAINCONSISTENCY(-3),
    CONNECTIONLOSS(-4),
    MARSHALLINGERROR(-5),
    UNIMPLEMENTED(-6),
    OPERATIONTIMEOUT(-7),
    BADARGUMENTS(-8),
    UNKNOWNSESSION(-12),
    APIERROR(-100),
    NONODE(-101),
    NOAUTH(-102),
    BADVERSION(-103),
    NOCHILDRENFOREPHEMERALS(-108),
    NODEEXISTS(-110),
    NOTEMPTY(-111),
    SESSIONEXPIRED(-112),
    INVALIDCALLBACK(-113),
    INVALIDACL(-114),
    AUTHFAILED(-115),
    SESSIONMOVED(-118),
    NOTREADONLY(-119),
    NOWATCHER(-121),
    REQUESTTIMEOUT(-122);

    private static final Map<Integer, Code> BY_VALUE = new HashMap<>();

    static {
        for (Code c : values()) {
            BY_VALUE.put(c.value, c);
        }
    }

    private final int value;

    Code(int value) {
        this.value = value;
    }

    /** ZooKeeper's numeric value. */
    public int intValue() {
        return value;
    }

    /** The code with this number, or null when there is none. */
    public static Code get(int value) {
        return BY_VALUE.get(value);
    }
}
