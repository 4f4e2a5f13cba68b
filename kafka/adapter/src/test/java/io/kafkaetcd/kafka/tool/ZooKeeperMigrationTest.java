package io.kafkaetcd.kafka.tool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kafkaetcd.KafkaEtcdClient;
import io.kafkaetcd.Stat;

/** import-zookeeper, export-zookeeper, verify-zookeeper, dump and restore against real servers. */
@Timeout(120)
class ZooKeeperMigrationTest extends ShellTestBase {

    @Test
    void importKeepsDataNullEmptyAclsVersionsTimesAndSequenceCounters() throws Exception {
        ZooKeeper zk = zkChroot("/imp-" + ns);
        buildSample(zk);
        Result r = shell("import-zookeeper", "--from", zkServer.connect() + "/imp-" + ns);
        assertEquals(0, r.code, r.toString());
        assertTrue(r.out.contains("skipped ephemeral /a/eph"), r.toString());
        assertTrue(r.err.contains("0 differences"), r.toString());

        KafkaEtcdClient etcd = etcdClient();
        for (String p : new String[] {"/a", "/a/null", "/a/empty", "/a/binary", "/acl", "/b", "/seq", "/config/changes"}) {
            org.apache.zookeeper.data.Stat zs = new org.apache.zookeeper.data.Stat();
            byte[] zdata = zk.getData(p, false, zs);
            Stat es = new Stat();
            byte[] edata = etcd.getData(p, false, es);
            assertArrayEquals(zdata, edata, p);
            assertEquals(zs.getVersion(), es.getVersion(), p + " version");
            assertEquals(zs.getAversion(), etcd.exists(p, false).getAversion(), p + " aversion");
            assertEquals(zs.getCtime(), es.getCtime(), p + " ctime");
            assertEquals(zs.getMtime(), es.getMtime(), p + " mtime");
            assertEquals(new HashSet<>(zk.getACL(p, null)), new HashSet<>(ZooKeeperTree.toZk(etcd.getACL(p, null))), p + " acl");
        }
        assertNull(etcd.getData("/a/null", false, null));
        assertEquals(0, etcd.getData("/a/empty", false, null).length);
        assertEquals(3, etcd.exists("/a", false).getVersion());
        assertEquals(2, etcd.exists("/b", false).getAversion());
        assertNull(etcd.exists("/a/eph", false), "ephemerals are not copied");

        // The next sequential names are ZooKeeper's, also after deletes.
        for (String parent : new String[] {"/seq", "/config/changes"}) {
            String prefix = parent.equals("/seq") ? "/seq/n-" : "/config/changes/config_change_";
            String fromZk = zk.create(prefix, null, OPEN, CreateMode.PERSISTENT_SEQUENTIAL);
            String fromEtcd = etcd.create(prefix, null, io.kafkaetcd.Acl.OPEN_ACL_UNSAFE, io.kafkaetcd.CreateMode.PERSISTENT_SEQUENTIAL);
            assertEquals(fromZk, fromEtcd, parent);
        }
        assertEquals("/seq/n-0000000007", zk.create("/seq/n-", null, OPEN, CreateMode.PERSISTENT_SEQUENTIAL),
                "5 sequential creates and 1 plain one before, then the one above");
        // Kafka's conditional writes go on from the copied version.
        assertEquals(4, etcd.setData("/a", utf8("next"), 3).getVersion());
    }

    @Test
    void exportGoesBackToAFreshZooKeeperWithTheSameCounters() throws Exception {
        ZooKeeper zk = zkChroot("/src-" + ns);
        buildSample(zk);
        assertEquals(0, shell("import-zookeeper", "--from", zkServer.connect() + "/src-" + ns).code);

        String back = zkServer.connect() + "/back-" + ns;
        Result r = shell("export-zookeeper", "--to", back, "--zk-auth", "digest:alice:pw");
        assertEquals(0, r.code, r.toString());
        ZooKeeper out = zk("/back-" + ns);
        for (String p : new String[] {"/", "/a", "/a/null", "/a/empty", "/a/binary", "/acl", "/b", "/seq", "/config/changes"}) {
            org.apache.zookeeper.data.Stat a = new org.apache.zookeeper.data.Stat();
            org.apache.zookeeper.data.Stat b = new org.apache.zookeeper.data.Stat();
            assertArrayEquals(zk.getData(p, false, a), out.getData(p, false, b), p);
            assertEquals(a.getVersion(), b.getVersion(), p + " version");
            assertEquals(a.getAversion(), b.getAversion(), p + " aversion");
            assertEquals(new HashSet<>(zk.getACL(p, null)), new HashSet<>(out.getACL(p, null)), p + " acl");
        }
        assertNull(out.getData("/a/null", false, null));
        assertEquals(0, out.getData("/a/empty", false, null).length);
        assertNull(out.exists("/a/eph", false));
        assertNull(out.exists("/seq/" + ZooKeeperTree.PAD, false), "the counter pad is gone");
        assertEquals(zk.create("/seq/n-", null, OPEN, CreateMode.PERSISTENT_SEQUENTIAL),
                out.create("/seq/n-", null, OPEN, CreateMode.PERSISTENT_SEQUENTIAL));
        // and the round trip compares clean against the etcd store
        Result v = shell("verify-zookeeper", "--against", zkServer.connect() + "/src-" + ns);
        assertEquals(1, v.code, "the new sequential child in the source is a difference: " + v);
    }

    @Test
    void anInterruptedImportResumes() throws Exception {
        ZooKeeper zk = zkChroot("/big-" + ns);
        zk.create("/topics", null, OPEN, CreateMode.PERSISTENT);
        for (int i = 0; i < 400; i++) {
            zk.create("/topics/t" + i, utf8("{\"partitions\":" + i + "}"), OPEN, CreateMode.PERSISTENT);
        }
        String from = zkServer.connect() + "/big-" + ns;
        AtomicReference<Result> first = new AtomicReference<>();
        Thread t = new Thread(() -> first.set(shell("import-zookeeper", "--from", from)));
        t.start();
        KafkaEtcdClient etcd = etcdClient();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (etcd.exists("/topics", false) == null || etcd.getChildren("/topics", false).size() < 20) {
            assertTrue(System.nanoTime() < deadline, "the import did not start");
            Thread.sleep(5);
        }
        t.interrupt();
        t.join(60_000);
        assertNotEquals(0, first.get().code, "interrupted: " + first.get());
        int copied = etcd.getChildren("/topics", false).size();
        assertTrue(copied < 400, "stopped part way: " + copied);

        Result again = shell("import-zookeeper", "--from", from);
        assertEquals(3, again.code, "a non-empty target is refused: " + again);
        assertTrue(again.err.contains("--resume"), again.toString());

        Result resumed = shell("import-zookeeper", "--from", from, "--resume");
        assertEquals(0, resumed.code, resumed.toString());
        assertTrue(resumed.err.contains("0 differences"), resumed.toString());
        assertEquals(400, etcd.getChildren("/topics", false).size());
    }

    @Test
    void verificationFindsPlantedDifferences() throws Exception {
        ZooKeeper zk = zkChroot("/ver-" + ns);
        buildSample(zk);
        String from = zkServer.connect() + "/ver-" + ns;
        assertEquals(0, shell("import-zookeeper", "--from", from).code);
        assertEquals(0, shell("verify-zookeeper", "--against", from).code);

        KafkaEtcdClient etcd = etcdClient();
        etcd.setData("/a/empty", null, -1);
        etcd.create("/extra", null, io.kafkaetcd.Acl.OPEN_ACL_UNSAFE, io.kafkaetcd.CreateMode.PERSISTENT);
        zk.setACL("/b", OPEN, 2);
        Result v = shell("verify-zookeeper", "--against", from);
        assertEquals(1, v.code, v.toString());
        assertTrue(v.out.contains("DIFFERENT /a/empty: data 0 bytes != null"), v.toString());
        assertTrue(v.out.contains("DIFFERENT /extra: only in the target"), v.toString());
        assertTrue(v.out.contains("DIFFERENT /b: aversion 3 != 2"), v.toString());
        assertTrue(v.out.contains("DIFFERENT /: next sequential suffix 5 != 6"), "the extra child counts: " + v);
        assertTrue(v.err.contains("4 differences"), v.toString());
    }

    @Test
    void dryRunWritesNothingAndOverwriteReplaces() throws Exception {
        ZooKeeper zk = zkChroot("/dry-" + ns);
        buildSample(zk);
        String from = zkServer.connect() + "/dry-" + ns;
        Result dry = shell("import-zookeeper", "--from", from, "--dry-run");
        assertEquals(0, dry.code, dry.toString());
        assertTrue(dry.err.contains("dry run: 16 nodes to write"), dry.toString());
        KafkaEtcdClient etcd = etcdClient();
        assertNull(etcd.exists("/a", false));

        etcd.create("/stale", null, io.kafkaetcd.Acl.OPEN_ACL_UNSAFE, io.kafkaetcd.CreateMode.PERSISTENT);
        Result r = shell("import-zookeeper", "--from", from, "--overwrite");
        assertEquals(0, r.code, r.toString());
        assertNull(etcd.exists("/stale", false));
        assertEquals(3, etcd.exists("/a", false).getVersion());
    }

    @Test
    void dumpAndRestoreRoundTrip(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        ZooKeeper zk = zkChroot("/dump-" + ns);
        buildSample(zk);
        assertEquals(0, shell("import-zookeeper", "--from", zkServer.connect() + "/dump-" + ns).code);
        Path file = dir.resolve("dump.jsonl");
        Result d = shell("dump", "--file", file.toString());
        assertEquals(0, d.code, d.toString());
        List<String> lines = Files.readAllLines(file);
        assertTrue(lines.stream().anyMatch(l -> l.contains("\"path\":\"/a/null\",\"data\":null")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.contains("\"path\":\"/a/empty\",\"data\":\"\"")), lines.toString());

        String other = ns + "-restored";
        Result r = raw(etcd.endpoint(), "restore", "--file", file.toString(), "--namespace", other);
        assertEquals(0, r.code, r.toString());
        Path again = dir.resolve("again.jsonl");
        assertEquals(0, raw(etcd.endpoint(), "dump", "--file", again.toString(), "--namespace", other).code);
        assertEquals(lines, Files.readAllLines(again), "the restored store dumps the same, counters and times included");

        Files.write(dir.resolve("bad.jsonl"), List.of("{\"path\":\"/x\"}"));
        Result bad = raw(etcd.endpoint(), "restore", "--file", dir.resolve("bad.jsonl").toString(), "--namespace",
                other + "-bad");
        assertEquals(1, bad.code, bad.toString());
        assertTrue(bad.err.contains("bad.jsonl:1: not a znode line: missing field \"data\""), bad.toString());
    }
}
