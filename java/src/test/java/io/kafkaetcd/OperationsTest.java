package io.kafkaetcd;

import static org.junit.jupiter.api.Assertions.*;

import java.net.ServerSocket;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** Every operation and every result code a real etcd can produce, through Java. */
class OperationsTest extends EtcdTestBase {
    private static final byte[] A = {1, 2, 3};

    @Test
    void createAllModesAndSequentialNames() throws Exception {
        KafkaEtcdClient c = open();
        String p = unique("modes");
        Stat stat = new Stat();
        assertEquals(p, c.create(p, A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT, stat));
        assertEquals(0, stat.getVersion());
        assertEquals(3, stat.getDataLength());
        assertEquals(0, stat.getEphemeralOwner());
        assertTrue(stat.getCzxid() > 0);
        assertEquals(stat.getCzxid(), stat.getMzxid());

        String e = c.create(p + "/e", null, Acl.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL, stat);
        assertEquals(p + "/e", e);
        assertEquals(c.getSessionId(), stat.getEphemeralOwner());

        String s1 = c.create(p + "/s-", null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_SEQUENTIAL);
        String s2 = c.create(p + "/s-", null, Acl.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL_SEQUENTIAL);
        assertTrue(s1.matches(java.util.regex.Pattern.quote(p) + "/s-\\d{10}"), s1);
        assertTrue(s2.compareTo(s1) > 0, s1 + " then " + s2);
        assertEquals(Long.parseLong(s1.substring(s1.length() - 10)) + 1, Long.parseLong(s2.substring(s2.length() - 10)));

        Stat parent = c.exists(p, false);
        assertEquals(3, parent.getNumChildren());
        assertEquals(3, parent.getCversion());
    }

    @Test
    void dataNullAndEmptyStayDistinctAndLargeDataRoundTrips() throws Exception {
        KafkaEtcdClient c = open();
        String p = unique("data");
        c.create(p, null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        assertNull(c.getData(p, false, null));
        c.setData(p, new byte[0], -1);
        assertArrayEquals(new byte[0], c.getData(p, false, null));
        byte[] big = new byte[512 * 1024];
        new java.util.Random(7).nextBytes(big);
        Stat s = c.setData(p, big, 1);
        assertEquals(2, s.getVersion());
        assertEquals(big.length, s.getDataLength());
        assertArrayEquals(big, c.getData(p, false, null));
    }

    @Test
    void versionsAndTheirErrors() throws Exception {
        KafkaEtcdClient c = open();
        String p = unique("versions");
        c.create(p, A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        assertEquals(1, c.setData(p, A, 0).getVersion());
        KeeperException e = assertThrows(KeeperException.BadVersionException.class, () -> c.setData(p, A, 0));
        assertEquals(Code.BADVERSION, e.code());
        assertEquals(-103, e.code().intValue());
        assertEquals(p, e.getPath());
        assertThrows(KeeperException.BadVersionException.class, () -> c.delete(p, 5));
        c.delete(p, 1);
        assertNull(c.exists(p, false));
    }

    @Test
    void structuralErrors() throws Exception {
        KafkaEtcdClient c = open();
        String p = unique("errors");
        c.create(p, A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        assertEquals(Code.NODEEXISTS, assertThrows(KeeperException.NodeExistsException.class,
                () -> c.create(p, A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT)).code());
        assertEquals(-101, assertThrows(KeeperException.NoNodeException.class,
                () -> c.create(p + "/missing/child", A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT)).code().intValue());
        assertThrows(KeeperException.NoNodeException.class, () -> c.getData(p + "/nope", false, null));
        assertThrows(KeeperException.NoNodeException.class, () -> c.setData(p + "/nope", A, -1));
        assertThrows(KeeperException.NoNodeException.class, () -> c.delete(p + "/nope", -1));
        assertThrows(KeeperException.NoNodeException.class, () -> c.getChildren(p + "/nope", false));
        assertThrows(KeeperException.NoNodeException.class, () -> c.getACL(p + "/nope", null));

        c.create(p + "/child", A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        assertEquals(-111, assertThrows(KeeperException.NotEmptyException.class, () -> c.delete(p, -1)).code().intValue());

        c.create(p + "/eph", A, Acl.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        assertEquals(-108, assertThrows(KeeperException.NoChildrenForEphemeralsException.class,
                () -> c.create(p + "/eph/x", A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT)).code().intValue());

        assertEquals(-6, assertThrows(KeeperException.UnimplementedException.class,
                () -> c.create(p + "/container", A, Acl.OPEN_ACL_UNSAFE, CreateMode.CONTAINER)).code().intValue());
        assertThrows(KeeperException.UnimplementedException.class,
                () -> c.create(p + "/ttl", A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_WITH_TTL));

        assertEquals(-8, assertThrows(KeeperException.BadArgumentsException.class, () -> c.delete("/", -1)).code().intValue());
    }

    @Test
    void existsAndChildren() throws Exception {
        KafkaEtcdClient c = open();
        String p = unique("children");
        assertNull(c.exists(p, false));
        c.create(p, A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        assertEquals(3, c.exists(p, false).getDataLength());
        Stat s = new Stat();
        assertEquals(List.of(), c.getChildren(p, false, s));
        assertEquals(0, s.getNumChildren());
        for (String n : new String[] {"b", "a", "c"}) {
            c.create(p + "/" + n, null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        }
        assertEquals(new HashSet<>(Arrays.asList("a", "b", "c")), new HashSet<>(c.getChildren(p, false, s)));
        assertEquals(3, s.getNumChildren());
        assertEquals(3, s.getCversion());
    }

    @Test
    void aclsAndTheirErrors() throws Exception {
        KafkaEtcdClient c = open();
        String p = unique("acl");
        c.create(p, A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        Stat s = new Stat();
        assertEquals(Acl.OPEN_ACL_UNSAFE, c.getACL(p, s));
        assertEquals(0, s.getAversion());
        assertEquals(1, c.setACL(p, Acl.READ_ACL_UNSAFE, 0).getAversion());
        assertEquals(Acl.READ_ACL_UNSAFE, c.getACL(p, null));
        assertThrows(KeeperException.BadVersionException.class, () -> c.setACL(p, Acl.OPEN_ACL_UNSAFE, 0));
        List<Acl> bad = List.of(new Acl(Acl.ALL, "world", "bob"));
        assertEquals(-114, assertThrows(KeeperException.InvalidACLException.class, () -> c.setACL(p, bad, -1)).code().intValue());
        assertThrows(KeeperException.InvalidACLException.class,
                () -> c.create(p + "/x", A, List.of(), CreateMode.PERSISTENT));
        assertThrows(KeeperException.InvalidACLException.class,
                () -> c.create(p + "/x", A, null, CreateMode.PERSISTENT));
    }

    @Test
    void multiSucceedsAtomically() throws Exception {
        KafkaEtcdClient c = open();
        String p = unique("multi");
        c.create(p, A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        c.create(p + "/old", A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        List<OpResult> r = c.multi(List.of(
                Op.check(p, 0),
                Op.create(p + "/new", A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
                Op.setData(p, new byte[] {9}, 0),
                Op.delete(p + "/old", -1)));
        assertEquals(4, r.size());
        assertInstanceOf(OpResult.CheckResult.class, r.get(0));
        assertEquals(p + "/new", ((OpResult.CreateResult) r.get(1)).getPath());
        assertEquals(1, ((OpResult.SetDataResult) r.get(2)).getStat().getVersion());
        assertInstanceOf(OpResult.DeleteResult.class, r.get(3));
        assertEquals(List.of("new"), c.getChildren(p, false));
    }

    @Test
    void multiFailureHasZooKeepersResultShape() throws Exception {
        KafkaEtcdClient c = open();
        String p = unique("multifail");
        c.create(p, A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        KeeperException e = assertThrows(KeeperException.BadVersionException.class, () -> c.multi(List.of(
                Op.create(p + "/a", A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
                Op.check(p, 7),
                Op.setData(p, A, -1))));
        List<OpResult> r = e.getResults();
        assertEquals(List.of(new OpResult.ErrorResult(0), new OpResult.ErrorResult(-103), new OpResult.ErrorResult(-2)), r);
        assertEquals(Code.RUNTIMEINCONSISTENCY, ((OpResult.ErrorResult) r.get(2)).code());
        assertNull(c.exists(p + "/a", false), "a failed multi applies nothing");

        Response async = c.submit(Request.multi(List.of(Op.delete(p + "/none", -1)))).get(10, TimeUnit.SECONDS);
        assertEquals(Code.NONODE, async.code());
        assertEquals(List.of(new OpResult.ErrorResult(-101)), async.opResults());
    }

    @Test
    void asyncAnswersCarryCodesContextAndTimes() throws Exception {
        KafkaEtcdClient c = open();
        String p = unique("async");
        List<CompletableFuture<Response>> fs = c.submitBatch(List.of(
                Request.create(p, A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT).withContext("one"),
                Request.create(p, A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT).withContext("two"),
                Request.getData(p, false).withContext(3),
                Request.exists(p + "/none", false),
                Request.getChildren(p, false),
                Request.getAcl(p),
                Request.setAcl(p, Acl.OPEN_ACL_UNSAFE, 0),
                Request.setData(p, null, 0),
                Request.delete(p, 0),
                Request.delete(p, -1)));
        Response[] r = new Response[fs.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = fs.get(i).get(10, TimeUnit.SECONDS);
            assertTrue(r[i].sendTimeMs() <= r[i].receivedTimeMs());
        }
        assertEquals(Code.OK, r[0].code());
        assertEquals("one", r[0].ctx());
        assertEquals(p, r[0].createdPath());
        assertEquals(Code.NODEEXISTS, r[1].code());
        assertEquals("two", r[1].ctx());
        assertInstanceOf(KeeperException.NodeExistsException.class, r[1].exception());
        assertArrayEquals(A, r[2].data());
        assertEquals(3, r[2].ctx());
        assertTrue(r[3].isOk());
        assertNull(r[3].stat());
        assertEquals(List.of(), r[4].children());
        assertEquals(Acl.OPEN_ACL_UNSAFE, r[5].acl());
        assertEquals(1, r[6].stat().getAversion());
        assertEquals(1, r[7].stat().getVersion());
        assertEquals(Code.BADVERSION, r[8].code());
        assertEquals(Code.OK, r[9].code());
    }

    /** A node value not in kafka-etcd's format (written behind its back) is DATAINCONSISTENCY. */
    @Test
    void corruptStoredValueIsDataInconsistency() throws Exception {
        KafkaEtcdClient c = open();
        String p = unique("corrupt");
        c.create(p, A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        etcd.putRaw("zk/n001" + p, new byte[] {9}); // the node key of a depth-1 path (src/znode/keys.rs)
        KeeperException e = assertThrows(KeeperException.DataInconsistencyException.class, () -> c.getData(p, false, null));
        assertEquals(-3, e.code().intValue());
    }

    /**
     * A store whose layout version key (src/znode/keys.rs: {@code <namespace>/L})
     * names a layout this build does not read is refused at connect, with
     * the stored version, the versions this build reads and what to do.
     */
    @Test
    void storeOfANewerLayoutIsRefusedAtConnect() throws Exception {
        String ns = "layout-newer-" + System.nanoTime() % 100_000;
        etcd.putRaw(ns + "/L", "99".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        KeeperException e = assertThrows(KeeperException.DataInconsistencyException.class,
                () -> KafkaEtcdClient.open(etcd.endpoint(), config().namespace(ns), null));
        assertEquals(Code.DATAINCONSISTENCY, e.code());
        for (String part : new String[] {"layout version 99", ns + "/L", "reads layout versions 1, 2",
                "newer kafka-etcd", "upgrade"}) {
            assertTrue(e.getMessage().contains(part), part + " in: " + e.getMessage());
        }
    }

    @Test
    void chrootConnectString() throws Exception {
        KafkaEtcdClient root = open();
        String chroot = unique("chroot");
        root.create(chroot, null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        KafkaEtcdClient c = KafkaEtcdClient.open(etcd.endpoint() + chroot, config(), null);
        try {
            assertEquals("/a", c.create("/a", A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
            assertArrayEquals(A, root.getData(chroot + "/a", false, null));
        } finally {
            c.close();
        }
    }

    @Test
    void connectionLossWhenEtcdIsUnreachable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ClientConfig cfg = new ClientConfig().connectTimeoutMs(1500).requestTimeoutMs(1000);
        KeeperException e = assertThrows(KeeperException.ConnectionLossException.class,
                () -> KafkaEtcdClient.open("127.0.0.1:" + port, cfg, null));
        assertEquals(-4, e.code().intValue());
    }

    @Test
    void badConnectStringIsBadArguments() {
        assertThrows(KeeperException.BadArgumentsException.class, () -> KafkaEtcdClient.open("", config(), null));
    }

    @Test
    void sessionExpiredAfterClose() throws Exception {
        KafkaEtcdClient c = open();
        c.close();
        KeeperException e = assertThrows(KeeperException.SessionExpiredException.class, () -> c.exists("/", false));
        assertEquals(-112, e.code().intValue());
    }
}
