package io.kafkaetcd;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** Null and invalid arguments, oversized data, bad versions, misuse. */
class BadInputTest extends EtcdTestBase {
    @Test
    void nullPathsAreIllegalArgumentsAsInZooKeeper() throws Exception {
        KafkaEtcdClient c = open();
        assertThrows(IllegalArgumentException.class, () -> c.getData(null, false, null));
        assertThrows(IllegalArgumentException.class, () -> c.create(null, null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
        assertThrows(IllegalArgumentException.class, () -> c.create("/x", null, Acl.OPEN_ACL_UNSAFE, null));
        assertThrows(IllegalArgumentException.class, () -> Request.exists(null, false));
        assertThrows(IllegalArgumentException.class, () -> Op.check(null, 1));
        assertThrows(IllegalArgumentException.class, () -> c.multi(null));
        assertThrows(IllegalArgumentException.class, () -> c.submit((Request) null));
        assertThrows(IllegalArgumentException.class, () -> c.submit(Request.exists("/", false), null));
        assertThrows(IllegalArgumentException.class, () -> c.submitBatch(null));
        assertThrows(IllegalArgumentException.class,
                () -> c.create("/x", null, Arrays.asList((Acl) null), CreateMode.PERSISTENT));
        // Nothing was queued by the rejected calls: the client still answers in order.
        assertNotNull(c.exists("/", false));
    }

    @Test
    void aNullRequestRejectsTheWholeBatch() throws Exception {
        KafkaEtcdClient c = open();
        String p = unique("nullbatch");
        List<Request> batch = new ArrayList<>();
        batch.add(Request.create(p, null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
        batch.add(null);
        assertThrows(IllegalArgumentException.class, () -> c.submitBatch(batch));
        assertNull(c.exists(p, false));
    }

    @Test
    void invalidPathsAreBadArguments() throws Exception {
        KafkaEtcdClient c = open();
        for (String bad : new String[] {"", "a", "/a/", "//a", "/a//b", "/a/./b", "/a/../b", "/.", "/a\u0000b", "/a\u0001"}) {
            KeeperException e = assertThrows(KeeperException.BadArgumentsException.class, () -> c.exists(bad, false),
                    "path " + bad);
            assertEquals(Code.BADARGUMENTS, e.code());
            assertEquals(Code.BADARGUMENTS, c.submit(Request.getData(bad, true)).get(10, TimeUnit.SECONDS).code());
        }
        assertThrows(KeeperException.BadArgumentsException.class,
                () -> c.multi(List.of(Op.check("/", -1), Op.delete("no-slash", -1))));
    }

    @Test
    void surrogatesInPathsAreRefusedNeverTurnedIntoQuestionMarks() throws Exception {
        KafkaEtcdClient c = open();
        String base = unique("surrogate");
        c.create(base, null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        // A lone high or low surrogate, and a valid pair: ZooKeeper's PathUtils refuses all three.
        for (String bad : new String[] {base + "/s\ud800", base + "/s\udc00x", base + "/e\ud83d\ude00"}) {
            assertThrows(KeeperException.BadArgumentsException.class,
                    () -> c.create(bad, null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT), bad);
            assertEquals(Code.BADARGUMENTS, c.submit(Request.exists(bad, false)).get(10, TimeUnit.SECONDS).code());
            assertThrows(KeeperException.BadArgumentsException.class,
                    () -> c.multi(List.of(Op.create(bad, null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT))));
        }
        assertEquals(List.of(), c.getChildren(base, false), "no '?' lookalike was created");
        c.create(base + "/\u00fc", null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        assertEquals(List.of("\u00fc"), c.getChildren(base, false));
    }

    @Test
    void oversizedDataIsBadArguments() throws Exception {
        KafkaEtcdClient c = open(config().maxDataBytes(64 * 1024), null);
        String p = unique("big");
        byte[] big = new byte[64 * 1024 + 1];
        assertThrows(KeeperException.BadArgumentsException.class,
                () -> c.create(p, big, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
        c.create(p, new byte[64 * 1024], Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        assertThrows(KeeperException.BadArgumentsException.class, () -> c.setData(p, big, -1));
        assertThrows(KeeperException.BadArgumentsException.class,
                () -> c.multi(List.of(Op.setData(p, new byte[40_000], -1), Op.setData(p, new byte[40_000], -1))));
        assertEquals(64 * 1024, c.exists(p, false).getDataLength());
    }

    @Test
    void defaultLimitRejectsMoreThanOneMebibyte() throws Exception {
        KafkaEtcdClient c = open();
        String p = unique("mib");
        assertThrows(KeeperException.BadArgumentsException.class,
                () -> c.create(p, new byte[1024 * 1024 + 1], Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
    }

    @Test
    void badVersions() throws Exception {
        KafkaEtcdClient c = open();
        String p = unique("badver");
        c.create(p, null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        assertThrows(KeeperException.BadVersionException.class, () -> c.setData(p, null, 1));
        assertThrows(KeeperException.BadVersionException.class, () -> c.setData(p, null, -2));
        assertThrows(KeeperException.BadVersionException.class, () -> c.delete(p, Integer.MAX_VALUE));
        assertThrows(KeeperException.BadVersionException.class, () -> c.multi(List.of(Op.check(p, 3))));
        assertThrows(KeeperException.BadVersionException.class, () -> c.setACL(p, Acl.OPEN_ACL_UNSAFE, 9));
    }

    @Test
    void malformedEncodingsAreIllegalArgumentsAndConsumeNothing() throws Exception {
        KafkaEtcdClient c = open();
        long h = c.nativeHandle();
        assertThrows(IllegalArgumentException.class, () -> NativeClient.submit(h, null));
        assertThrows(IllegalArgumentException.class, () -> NativeClient.submit(h, new byte[] {0, 0, 0, 1, 99}));
        assertThrows(IllegalArgumentException.class, () -> NativeClient.submit(h, new byte[] {0, 0, 0, 2}));
        assertThrows(IllegalArgumentException.class, () -> NativeClient.call(h, new byte[] {4, 0, 0, 0, 9, '/'}));
        assertThrows(IllegalArgumentException.class, () -> NativeClient.call(h, null));
        // No sequence number was used up: answers still match their requests.
        assertEquals(Code.OK, c.submit(Request.exists("/", false)).get(10, TimeUnit.SECONDS).code());
        assertNotNull(c.exists("/", false));
    }

    @Test
    void configurationIsChecked() {
        assertThrows(IllegalArgumentException.class, () -> new ClientConfig().sessionTimeoutMs(0));
        assertThrows(IllegalArgumentException.class, () -> new ClientConfig().namespace(""));
        for (String nested : new String[] {"t/n001/x", "zk/", "a b", "\u00fc", "x".repeat(129)}) {
            assertThrows(IllegalArgumentException.class, () -> new ClientConfig().namespace(nested), nested);
        }
        new ClientConfig().namespace("other-ns.2_b");
        assertThrows(IllegalArgumentException.class, () -> KafkaEtcdClient.open(null, null, null));
    }
}
