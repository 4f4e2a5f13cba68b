package io.kafkaetcd.kafka.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.kafkaetcd.Acl;
import io.kafkaetcd.CreateMode;
import io.kafkaetcd.KafkaEtcdClient;

/** Every shell command on good and bad input: output, clear errors, exit codes. */
@Timeout(120)
class ShellCommandsTest extends ShellTestBase {

    private Result ok(String... args) {
        Result r = shell(args);
        assertEquals(0, r.code, String.join(" ", args) + ": " + r);
        return r;
    }

    private Result fails(int code, String message, String... args) {
        Result r = shell(args);
        assertEquals(code, r.code, String.join(" ", args) + ": " + r);
        assertTrue(r.err.contains(message), String.join(" ", args) + " should say '" + message + "': " + r);
        return r;
    }

    @Test
    void editAndInspect() throws Exception {
        assertEquals("/t\n", ok("create", "/t", "hello").out);
        ok("create", "/t/n", "--null");
        ok("create", "/t/e");
        assertEquals("/t/s-0000000002\n", ok("create", "/t/s-", "x", "--sequential").out);
        assertEquals("e\nn\ns-0000000002\n", ok("ls", "/t").out);
        assertEquals("{\"path\":\"/t\",\"children\":[\"e\",\"n\",\"s-0000000002\"]}\n", ok("ls", "/t", "--json").out);
        assertTrue(ok("get", "/t").out.startsWith("hello\n"));
        assertTrue(ok("get", "/t/n").out.startsWith("(null)\n"));
        assertTrue(ok("get", "/t/n", "--json").out.contains("\"data\":null"));
        assertTrue(ok("get", "/t/e", "--json").out.contains("\"data\":\"\""));

        assertEquals("version 1\n", ok("set", "/t", "v1", "--version", "0").out);
        fails(1, "BADVERSION", "set", "/t", "v2", "--version", "0");
        assertTrue(ok("stat", "/t").out.contains("version = 1\n"));
        assertTrue(ok("stat", "/t", "--json").out.contains("\"numChildren\":3"));

        Result tree = ok("tree", "/t");
        assertTrue(tree.out.startsWith("/t  (4 nodes, 3 bytes)\n"), tree.toString());
        assertTrue(tree.out.contains("total: 4 nodes, 3 bytes of data, 0 ephemeral"), tree.toString());
        assertTrue(ok("tree", "--json").out.contains("\"nodes\":"));

        fails(1, "BADVERSION", "delete", "/t/e", "--version", "3");
        ok("delete", "/t/e", "--version", "0");
        fails(1, "NOTEMPTY", "delete", "/t");
        ok("rmr", "/t");
        fails(1, "no node /t", "get", "/t");
        fails(1, "no node /t", "rmr", "/t");
        fails(1, "NONODE", "ls", "/t");
        fails(2, "refusing", "rmr", "/");
        // The namespace's layout version key (<ns>/L) is no znode: the root
        // lists only ZooKeeper's own node, and no session owns anything.
        assertEquals("zookeeper\n", ok("ls", "/").out);
        assertEquals("0 sessions own ephemeral nodes\n", ok("sessions").out);
    }

    @Test
    void badUsage() {
        fails(2, "unknown command frob", "frob");
        fails(2, "usage: get PATH", "get");
        fails(2, "unknown option --bogus", "ls", "/", "--bogus");
        fails(2, "--version wants an integer", "delete", "/x", "--version", "x");
        fails(2, "this command needs --from", "import-zookeeper");
        Result noValue = raw(etcd.endpoint(), "ls", "/", "--zk-tls-config-file");
        assertEquals(2, noValue.code, noValue.toString());
        assertTrue(noValue.err.contains("--zk-tls-config-file needs a value"), noValue.toString());
        fails(2, "cannot read /nonexistent.properties", "ls", "/", "--zk-tls-config-file", "/nonexistent.properties");
        fails(2, "BADARGUMENTS", "get", "bad//path");
        Result none = raw();
        assertEquals(2, none.code);
        assertTrue(none.err.contains("usage:"));
        assertEquals(0, raw("--help").code);
    }

    @Test
    void unreachableStoresAreClearErrors() {
        Result r = raw("127.0.0.1:1", "ls", "/", "--timeout-ms", "2000");
        assertEquals(1, r.code, r.toString());
        assertTrue(r.err.contains("cannot connect to etcd 127.0.0.1:1"), r.toString());
        fails(1, "cannot connect to ZooKeeper 127.0.0.1:1", "import-zookeeper", "--from", "127.0.0.1:1", "--timeout-ms", "2000");
    }

    @Test
    void editsAndImportsAreRefusedWhileABrokerIsRegistered() throws Exception {
        KafkaEtcdClient broker = etcdClient();
        broker.create("/brokers", null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        broker.create("/brokers/ids", null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        broker.create("/brokers/ids/1", new byte[0], Acl.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        fails(3, "live brokers (/brokers/ids: 1)", "create", "/x");
        fails(3, "live brokers", "set", "/brokers", "x");
        fails(3, "live brokers", "rmr", "/brokers");
        zkChroot("/refused-" + ns);
        fails(3, "live brokers", "import-zookeeper", "--from", zkServer.connect() + "/refused-" + ns);
        ok("create", "/x", "--force");

        Result sessions = ok("sessions");
        assertTrue(sessions.out.contains("0x" + Long.toHexString(broker.getSessionId()) + " /brokers/ids/1"), sessions.toString());
        assertTrue(ok("sessions", "--json").out.contains("\"ephemerals\":[\"/brokers/ids/1\"]"));
        assertTrue(ok("tree", "/brokers").out.contains("1 ephemeral"));
    }

    @Test
    void watchPrintsEventsUntilCount() throws Exception {
        ok("create", "/w", "0");
        AtomicReference<Result> watched = new AtomicReference<>();
        Thread t = new Thread(() -> watched.set(shell("watch", "/w", "--children", "--count", "2")));
        t.start();
        KafkaEtcdClient c = etcdClient();
        // The watch is armed once the shell says so; until then retry the change (it is idempotent below).
        long deadline = System.nanoTime() + 30_000_000_000L;
        int v = 0;
        while (t.isAlive() && System.nanoTime() < deadline) {
            c.setData("/w", ("" + ++v).getBytes(), -1);
            if (c.exists("/w/c", false) == null) {
                c.create("/w/c", null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            }
            t.join(200);
        }
        t.join(10_000);
        Result r = watched.get();
        assertEquals(0, r.code, String.valueOf(r));
        assertTrue(r.out.contains("NodeDataChanged /w"), r.toString());
        assertEquals(2, r.out.split("\n").length, r.toString());
    }
}
