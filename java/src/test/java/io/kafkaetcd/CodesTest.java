package io.kafkaetcd;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The code table and the exception hierarchy mirror kafka_etcd::Code (no etcd needed). */
class CodesTest {
    @Test
    void everyErrorCodeHasItsOwnExceptionClass() {
        java.util.Set<Class<?>> seen = new java.util.HashSet<>();
        for (Code c : Code.values()) {
            if (c == Code.OK) {
                continue;
            }
            KeeperException e = KeeperException.create(c.intValue(), "m");
            assertEquals(c, e.code());
            assertEquals("m", e.getMessage());
            assertTrue(seen.add(e.getClass()), "one class per code: " + e.getClass());
            assertEquals(c, Code.get(c.intValue()));
        }
    }

    @Test
    void zooKeepersNumbers() {
        assertEquals(-101, Code.NONODE.intValue());
        assertEquals(-110, Code.NODEEXISTS.intValue());
        assertEquals(-103, Code.BADVERSION.intValue());
        assertEquals(-111, Code.NOTEMPTY.intValue());
        assertEquals(-108, Code.NOCHILDRENFOREPHEMERALS.intValue());
        assertEquals(-8, Code.BADARGUMENTS.intValue());
        assertEquals(-4, Code.CONNECTIONLOSS.intValue());
        assertEquals(-112, Code.SESSIONEXPIRED.intValue());
        assertEquals(-2, Code.RUNTIMEINCONSISTENCY.intValue());
        assertEquals(-114, Code.INVALIDACL.intValue());
        assertEquals(-6, Code.UNIMPLEMENTED.intValue());
        assertEquals(-1, Code.SYSTEMERROR.intValue());
        assertInstanceOf(KeeperException.SystemErrorException.class, KeeperException.create(-1, "x"));
    }

    @Test
    void unknownCodesBecomeSystemErrors() {
        KeeperException e = KeeperException.create(-9999, "odd");
        assertEquals(Code.SYSTEMERROR, e.code());
        assertTrue(e.getMessage().contains("-9999"));
    }

    @Test
    void defaultMessageHasZooKeepersShape() {
        KeeperException e = KeeperException.create(Code.NONODE, null, "/a");
        assertEquals("KeeperErrorCode = NONODE for /a", e.getMessage());
        assertEquals("/a", e.getPath());
    }
}
