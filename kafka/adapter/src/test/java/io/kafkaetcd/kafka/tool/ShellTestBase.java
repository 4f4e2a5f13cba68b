package io.kafkaetcd.kafka.tool;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import io.kafkaetcd.ClientConfig;
import io.kafkaetcd.EtcdPerClass;
import io.kafkaetcd.KafkaEtcdClient;

/**
 * A real etcd (EtcdPerClass) and a real ZooKeeper 3.8 server per test class; every test gets its
 * own etcd namespace and ZooKeeper chroot, and runs the shell in-process (EtcdZkShell.run).
 */
abstract class ShellTestBase extends EtcdPerClass {
    private static final AtomicInteger IDS = new AtomicInteger();
    static ZooKeeperServerForTest zkServer;

    final String ns = "shell" + IDS.incrementAndGet() + "-" + System.nanoTime() % 100_000;

    @BeforeAll
    static void startZooKeeper() throws Exception {
        zkServer = new ZooKeeperServerForTest();
    }

    @AfterAll
    static void stopZooKeeper() {
        if (zkServer != null) {
            zkServer.close();
        }
    }

    /** What one shell run printed, and its exit status. */
    static final class Result {
        final int code;
        final String out;
        final String err;

        Result(int code, String out, String err) {
            this.code = code;
            this.out = out;
            this.err = err;
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- out:\n" + out + "--- err:\n" + err;
        }
    }

    /** Runs the shell on this test's namespace: {@code CONNECT COMMAND ARGS... --namespace NS}. */
    Result shell(String... args) {
        List<String> all = new ArrayList<>();
        all.add(etcd.endpoint());
        all.addAll(Arrays.asList(args));
        all.add("--namespace");
        all.add(ns);
        return raw(all.toArray(new String[0]));
    }

    static Result raw(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = EtcdZkShell.run(args, o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A client of this test's namespace. */
    KafkaEtcdClient etcdClient() throws Exception {
        KafkaEtcdClient c = KafkaEtcdClient.open(etcd.endpoint(),
                new ClientConfig().namespace(ns).sessionTimeoutMs(6_000).connectTimeoutMs(10_000), null);
        return closeAfterTest(c, KafkaEtcdClient::close);
    }

    /** A fresh chroot on the ZooKeeper server, created with null data as Kafka does, and a client on it. */
    ZooKeeper zkChroot(String chroot) throws Exception {
        try (AutoCloseableZk base = new AutoCloseableZk(zkServer.client(""))) {
            base.zk.create(chroot, null, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        }
        return zk(chroot);
    }

    ZooKeeper zk(String chroot) throws Exception {
        ZooKeeper zk = zkServer.client(chroot);
        return closeAfterTest(zk, z -> {
            try {
                z.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    static final class AutoCloseableZk implements AutoCloseable {
        final ZooKeeper zk;

        AutoCloseableZk(ZooKeeper zk) {
            this.zk = zk;
        }

        /** Interrupted: the flag is set again (a close that throws InterruptedException trips -Xlint:try). */
        @Override
        public void close() {
            try {
                zk.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static final List<ACL> OPEN = ZooDefs.Ids.OPEN_ACL_UNSAFE;

    /** alice (digest) may do anything, the world may read. */
    static List<ACL> aliceAcl() throws Exception {
        return Arrays.asList(new ACL(ZooDefs.Perms.ALL, new Id("digest", DigestAuthenticationProvider.generateDigest("alice:pw"))),
                new ACL(ZooDefs.Perms.READ, ZooDefs.Ids.ANYONE_ID_UNSAFE));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A tree with what a copy must keep: versions, null vs empty vs binary data, ACLs with an
     * aversion, a sequential parent with deletes behind it, Kafka's notification parent, and an
     * ephemeral (the caller's session owns it) that must be skipped.
     */
    static void buildSample(ZooKeeper zk) throws Exception {
        zk.create("/a", utf8("x"), OPEN, CreateMode.PERSISTENT);
        for (int v = 0; v < 3; v++) {
            zk.setData("/a", utf8("x" + v), v);
        }
        zk.create("/a/null", null, OPEN, CreateMode.PERSISTENT);
        zk.create("/a/empty", new byte[0], OPEN, CreateMode.PERSISTENT);
        zk.create("/a/binary", new byte[] {0, (byte) 0xff, 1, (byte) 0x80}, OPEN, CreateMode.PERSISTENT);
        zk.create("/a/eph", utf8("session-owned"), OPEN, CreateMode.EPHEMERAL);
        zk.create("/acl", utf8("secret"), aliceAcl(), CreateMode.PERSISTENT);
        zk.create("/b", utf8("b"), OPEN, CreateMode.PERSISTENT);
        zk.setACL("/b", OPEN, 0);
        zk.setACL("/b", OPEN, 1);
        zk.create("/seq", null, OPEN, CreateMode.PERSISTENT);
        for (int i = 0; i < 5; i++) {
            zk.create("/seq/n-", utf8("n" + i), OPEN, CreateMode.PERSISTENT_SEQUENTIAL);
        }
        zk.delete("/seq/n-0000000001", -1);
        zk.delete("/seq/n-0000000003", -1);
        zk.create("/seq/plain", null, OPEN, CreateMode.PERSISTENT);
        zk.delete("/seq/plain", -1);
        zk.create("/config", null, OPEN, CreateMode.PERSISTENT);
        zk.create("/config/changes", null, OPEN, CreateMode.PERSISTENT);
        for (int i = 0; i < 3; i++) {
            zk.create("/config/changes/config_change_", utf8("{\"version\":2}"), OPEN, CreateMode.PERSISTENT_SEQUENTIAL);
        }
    }
}
