import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * Plays fixed op sequences against a real ZooKeeper 3.8 server with the real
 * ZooKeeper client and writes every answer as JSON: the reference the Rust
 * test tests/zookeeper_reference.rs replays against etcd.
 *
 * `java -cp "KAFKA_LIBS/*" scripts/lib/java/ZkReference.java HOST:PORT OUT.json`
 * (scripts/zk-reference.sh starts the server and runs this).
 *
 * Each scenario runs in its own chroot with named sessions ("a", "b", ...).
 * Recorded per step: the code, paths, data, sorted children, the comparable
 * Stat fields (version, cversion, aversion, numChildren, dataLength, the
 * owning session's name for ephemerals) and, for zxids, only their rank among
 * the zxids the scenario saw (equal rank = same transaction, higher = later).
 * An "events" step reports the watch events a session got since its last
 * report: a barrier node it watches is created afterwards, and events arrive
 * in zxid order, so its event marks the end.
 */
public final class ZkReference {
    private static final long DEADLINE_MS = 60_000;

    // ---------------------------------------------------------------- steps

    private static Map<String, Object> step(String session, String op, Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session", session);
        m.put("op", op);
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    static Map<String, Object> open(String s, int timeoutMs) { return step(s, "open", "sessionTimeoutMs", timeoutMs); }
    static Map<String, Object> create(String s, String path, String data, String mode) {
        return step(s, "create", "path", path, "data", data, "mode", mode);
    }
    static Map<String, Object> delete(String s, String path, int version) { return step(s, "delete", "path", path, "version", version); }
    static Map<String, Object> setData(String s, String path, String data, int version) {
        return step(s, "setData", "path", path, "data", data, "version", version);
    }
    static Map<String, Object> exists(String s, String path, boolean watch) { return step(s, "exists", "path", path, "watch", watch); }
    static Map<String, Object> getData(String s, String path, boolean watch) { return step(s, "getData", "path", path, "watch", watch); }
    static Map<String, Object> children(String s, String path, boolean watch) { return step(s, "getChildren", "path", path, "watch", watch); }
    static Map<String, Object> close(String s) { return step(s, "close"); }
    static Map<String, Object> expire(String s) { return step(s, "expire"); }
    static Map<String, Object> events(String s) { return step(s, "events"); }
    @SafeVarargs
    static Map<String, Object> multi(String s, Map<String, Object>... ops) {
        // Element by element: handing the varargs array on is what -Xlint:varargs warns about.
        List<Map<String, Object>> list = new ArrayList<>(ops.length);
        for (Map<String, Object> op : ops) {
            list.add(op);
        }
        return step(s, "multi", "ops", list);
    }

    private static Map<String, Object> op(String op, Object... kv) {
        Map<String, Object> m = step(null, op, kv);
        m.remove("session");
        return m;
    }
    static Map<String, Object> mCreate(String path, String data, String mode) { return op("create", "path", path, "data", data, "mode", mode); }
    static Map<String, Object> mDelete(String path, int version) { return op("delete", "path", path, "version", version); }
    static Map<String, Object> mSetData(String path, String data, int version) { return op("setData", "path", path, "data", data, "version", version); }
    static Map<String, Object> mCheck(String path, int version) { return op("check", "path", path, "version", version); }

    static final String P = "PERSISTENT", E = "EPHEMERAL", PS = "PERSISTENT_SEQUENTIAL", ES = "EPHEMERAL_SEQUENTIAL";

    @SafeVarargs
    private static Map<String, Object> scenario(String name, String about, Map<String, Object>... steps) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("about", about);
        List<Map<String, Object>> list = new ArrayList<>(steps.length);
        for (Map<String, Object> step : steps) {
            list.add(step);
        }
        m.put("steps", list);
        return m;
    }

    /** The fixed sequences. Changing them means regenerating the data file. */
    static List<Map<String, Object>> scenarios() {
        List<Map<String, Object>> all = new ArrayList<>();
        all.add(scenario("sequential-after-delete",
            "a sequential suffix counts the parent's child creates; cversion counts creates and deletes",
            create("a", "/p", null, P),
            create("a", "/p/x", "x", P),
            delete("a", "/p/x", 0),
            create("a", "/p/s-", "1", PS),
            getData("a", "/p", false),
            create("a", "/p/s-", null, ES),
            create("a", "/p/", null, PS),
            children("a", "/p", false),
            delete("a", "/p/s-0000000001", -1),
            create("a", "/p/x", null, P),
            create("a", "/p/s-", null, PS),
            children("a", "/p", false)));
        all.add(scenario("sequential-after-close",
            "ephemeral children removed by a session close count as deletes, not creates",
            create("a", "/p", null, P),
            create("e", "/p/e1", null, E),
            create("e", "/p/e-", null, ES),
            getData("a", "/p", false),
            children("b", "/p", true),
            close("e"),
            events("b"),
            children("a", "/p", false),
            create("a", "/p/s-", null, PS),
            getData("a", "/p", false)));
        all.add(scenario("sequential-after-expiry",
            "ephemeral children removed by session expiry count as deletes, not creates",
            open("e", 4000),
            create("a", "/p", null, P),
            create("a", "/p/keep", null, P),
            create("e", "/p/e1", "e", E),
            create("e", "/p/e-", null, ES),
            children("b", "/p", true),
            exists("b", "/p/e1", true),
            expire("e"),
            events("b"),
            children("a", "/p", false),
            create("a", "/p/s-", null, PS),
            children("a", "/p", false)));
        all.add(scenario("multi-delete-then-create",
            "Kafka's KRaft controller claim: [setData /controller_epoch, delete /controller, create /controller]",
            create("a", "/controller_epoch", "1", P),
            create("a", "/controller", "zk-controller", E),
            setData("a", "/controller", "zk-controller-2", 0),
            exists("b", "/controller", true),
            children("b", "/", true),
            getData("c", "/controller", true),
            getData("c", "/controller_epoch", true),
            multi("k", mSetData("/controller_epoch", "2", 0), mDelete("/controller", 1), mCreate("/controller", "kraft", E)),
            events("b"),
            events("c"),
            events("a"),
            getData("a", "/controller", false),
            getData("a", "/controller_epoch", false),
            children("a", "/", false),
            setData("k", "/controller", "kraft-2", 0),
            delete("k", "/controller", 1),
            create("a", "/controller", "after", P),
            getData("a", "/controller", false)));
        all.add(scenario("multi-create-then-delete",
            "a node created and deleted in one multi leaves no node, yet other sessions' watches fire",
            create("a", "/x", null, P),
            exists("b", "/x/y", true),
            children("b", "/x", true),
            getData("c", "/x", true),
            multi("a", mCreate("/x/y", "tmp", P), mDelete("/x/y", 0)),
            events("b"),
            events("c"),
            exists("a", "/x/y", false),
            getData("a", "/x", false),
            create("a", "/x/s-", null, PS)));
        all.add(scenario("multi-touches-paths-several-times",
            "ops see the state the earlier ops of the multi left; watches fire op by op",
            create("a", "/r", "r0", P),
            create("a", "/r/c", null, P),
            create("a", "/d", "d0", P),
            create("a", "/d/kid", null, P),
            getData("b", "/d/kid", true),
            children("b", "/d/kid", true),
            children("b", "/d", true),
            exists("b", "/d", true),
            children("c", "/r", true),
            getData("c", "/r", true),
            multi("a",
                mCreate("/n", "n0", P), mSetData("/n", "n1", 0), mSetData("/n", "n2", 1), mCheck("/n", 2),
                mCreate("/n/a", null, P), mCreate("/n/s-", null, PS), mCreate("/n/s-", null, PS), mDelete("/n/a", 0),
                mSetData("/d/kid", "k1", -1), mDelete("/d/kid", 1), mDelete("/d", 0),
                mDelete("/r/c", -1), mDelete("/r", -1), mCreate("/r", "r1", P), mCreate("/r/c2", null, P), mSetData("/r", "r2", 0)),
            events("b"),
            events("c"),
            getData("a", "/n", false),
            children("a", "/n", false),
            getData("a", "/r", false),
            children("a", "/r", false),
            exists("a", "/d", false),
            children("a", "/", false),
            create("a", "/n/s-", null, PS)));
        all.add(scenario("multi-failures",
            "a failed multi changes nothing; per op: OK before the failing op, its code, RUNTIMEINCONSISTENCY after",
            create("a", "/f", "f0", P),
            create("a", "/f/kid", null, P),
            create("a", "/eph", null, E),
            exists("b", "/f/new", true),
            multi("a", mCreate("/f/new", null, P), mCreate("/f/new", null, P)),
            multi("a", mCheck("/f", 0), mSetData("/f", "f1", 0), mSetData("/f", "f2", 0), mDelete("/f/kid", -1)),
            multi("a", mDelete("/f", -1)),
            multi("a", mDelete("/f/kid", 0), mDelete("/f/kid", 0)),
            multi("a", mDelete("/f/kid", 0), mSetData("/f/kid", null, -1)),
            multi("a", mCreate("/f/new", null, P), mCreate("/eph/c", null, P)),
            multi("a", mCreate("/e2", null, E), mCreate("/e2/c", null, P)),
            multi("a", mDelete("/f/kid", -1), mDelete("/f", -1), mCreate("/f/kid", null, P)),
            multi("a", mCreate("/g/h", null, P)),
            multi("a", mCheck("/nope", -1)),
            multi("a", mCreate("/f/s-", null, PS), mCheck("/f", 5)),
            events("b"),
            getData("a", "/f", false),
            create("a", "/f/s-", null, PS)));
        return all;
    }

    // ------------------------------------------------------------- running

    private static final class Session {
        final String name;
        final ZooKeeper zk;
        final List<WatchedEvent> events = Collections.synchronizedList(new ArrayList<>());
        int reported;

        Session(String name, String connect, int timeoutMs) throws Exception {
            this.name = name;
            java.util.concurrent.CountDownLatch up = new java.util.concurrent.CountDownLatch(1);
            this.zk = new ZooKeeper(connect, timeoutMs, e -> {
                if (e.getType() == Watcher.Event.EventType.None) {
                    if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                        up.countDown();
                    }
                } else {
                    events.add(e);
                }
            });
            if (!up.await(DEADLINE_MS, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("session " + name + " did not connect");
            }
        }
    }

    /** A zxid as seen; replaced by its rank when the scenario is done. */
    private static final class Zxid {
        final long value;
        Zxid(long value) { this.value = value; }
    }

    private final String connect;
    private final String chroot;
    private final Map<String, Session> sessions = new TreeMap<>();
    private final Map<Long, String> owners = new java.util.HashMap<>();
    private final List<Zxid> zxids = new ArrayList<>();
    private Session driver;
    private int barriers;

    private ZkReference(String server, String chroot) {
        this.connect = server + chroot;
        this.chroot = chroot;
    }

    private Session session(String name, int timeoutMs) throws Exception {
        Session s = sessions.get(name);
        if (s == null) {
            s = new Session(name, connect, timeoutMs);
            sessions.put(name, s);
            owners.put(s.zk.getSessionId(), name);
        }
        return s;
    }

    private static byte[] bytes(Object data) {
        return data == null ? null : ((String) data).getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] data) {
        return data == null ? null : new String(data, StandardCharsets.UTF_8);
    }

    private Map<String, Object> stat(Stat st) {
        if (st == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", st.getVersion());
        m.put("cversion", st.getCversion());
        m.put("aversion", st.getAversion());
        m.put("numChildren", st.getNumChildren());
        m.put("dataLength", st.getDataLength());
        m.put("owner", st.getEphemeralOwner() == 0 ? null : owners.getOrDefault(st.getEphemeralOwner(), "?"));
        for (Object[] z : new Object[][] {{"czxid", st.getCzxid()}, {"mzxid", st.getMzxid()}, {"pzxid", st.getPzxid()}}) {
            Zxid zx = new Zxid((Long) z[1]);
            zxids.add(zx);
            m.put((String) z[0], zx);
        }
        return m;
    }

    private Map<String, Object> run(Map<String, Object> st) throws Exception {
        String op = (String) st.get("op");
        String name = (String) st.get("session");
        Object timeout = st.get("sessionTimeoutMs");
        Session s = session(name, timeout == null ? 10_000 : (Integer) timeout);
        String path = (String) st.get("path");
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("code", "OK");
        try {
            switch (op) {
                case "open":
                    break;
                case "create": {
                    Stat out = new Stat();
                    r.put("path", s.zk.create(path, bytes(st.get("data")), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                        CreateMode.valueOf((String) st.get("mode")), out));
                    r.put("stat", stat(out));
                    break;
                }
                case "delete":
                    s.zk.delete(path, (Integer) st.get("version"));
                    break;
                case "setData":
                    r.put("stat", stat(s.zk.setData(path, bytes(st.get("data")), (Integer) st.get("version"))));
                    break;
                case "exists":
                    r.put("stat", stat(s.zk.exists(path, (Boolean) st.get("watch"))));
                    break;
                case "getData": {
                    Stat out = new Stat();
                    r.put("data", text(s.zk.getData(path, (Boolean) st.get("watch"), out)));
                    r.put("stat", stat(out));
                    break;
                }
                case "getChildren": {
                    Stat out = new Stat();
                    List<String> kids = new ArrayList<>(s.zk.getChildren(path, (Boolean) st.get("watch"), out));
                    Collections.sort(kids);
                    r.put("children", kids);
                    r.put("stat", stat(out));
                    break;
                }
                case "multi":
                    multi(s, st, r);
                    break;
                case "close":
                    s.zk.close();
                    break;
                case "expire":
                    expire(s, r);
                    break;
                case "events":
                    r.put("events", eventsSinceLastReport(s));
                    break;
                default:
                    throw new IllegalArgumentException("unknown op " + op);
            }
        } catch (KeeperException e) {
            r.clear();
            r.put("code", e.code().name());
        }
        return r;
    }

    @SuppressWarnings("unchecked")
    private void multi(Session s, Map<String, Object> st, Map<String, Object> r) throws Exception {
        List<Op> ops = new ArrayList<>();
        for (Map<String, Object> o : (List<Map<String, Object>>) st.get("ops")) {
            String p = (String) o.get("path");
            switch ((String) o.get("op")) {
                case "create":
                    ops.add(Op.create(p, bytes(o.get("data")), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.valueOf((String) o.get("mode"))));
                    break;
                case "delete":
                    ops.add(Op.delete(p, (Integer) o.get("version")));
                    break;
                case "setData":
                    ops.add(Op.setData(p, bytes(o.get("data")), (Integer) o.get("version")));
                    break;
                case "check":
                    ops.add(Op.check(p, (Integer) o.get("version")));
                    break;
                default:
                    throw new IllegalArgumentException("unknown multi op " + o);
            }
        }
        List<OpResult> results;
        try {
            results = s.zk.multi(ops);
        } catch (KeeperException e) {
            r.put("code", e.code().name());
            results = e.getResults();
        }
        List<Object> out = new ArrayList<>();
        for (OpResult res : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            if (res instanceof OpResult.CreateResult) {
                m.put("type", "create");
                // ZooKeeper 3.8's client leaves the chroot on a multi's create
                // paths (plain creates strip it); the data keeps the client
                // path, which kafka-etcd answers (docs/zookeeper-differences.md).
                m.put("path", clientPath(((OpResult.CreateResult) res).getPath()));
            } else if (res instanceof OpResult.DeleteResult) {
                m.put("type", "delete");
            } else if (res instanceof OpResult.SetDataResult) {
                m.put("type", "setData");
                m.put("stat", stat(((OpResult.SetDataResult) res).getStat()));
            } else if (res instanceof OpResult.CheckResult) {
                m.put("type", "check");
            } else if (res instanceof OpResult.ErrorResult) {
                m.put("type", "error");
                m.put("code", KeeperException.Code.get(((OpResult.ErrorResult) res).getErr()).name());
            } else {
                throw new IllegalStateException("unexpected result " + res);
            }
            out.add(m);
        }
        r.put("results", out);
    }

    private String clientPath(String p) {
        return p.startsWith(chroot + "/") ? p.substring(chroot.length()) : p;
    }

    /** Cuts the session off without closing it; the server expires it after its timeout. */
    private void expire(Session s, Map<String, Object> r) throws Exception {
        List<String> mine = new ArrayList<>();
        for (String p : s.zk.getEphemerals()) {
            mine.add(clientPath(p));
        }
        if (mine.isEmpty()) {
            throw new IllegalStateException("expire needs a session with ephemerals (their removal shows the expiry)");
        }
        Collections.sort(mine);
        s.zk.getTestable().injectSessionExpiration();
        long end = System.currentTimeMillis() + DEADLINE_MS;
        for (String p : mine) {
            while (driver.zk.exists(p, false) != null) {
                if (System.currentTimeMillis() > end) {
                    throw new IllegalStateException("session " + s.name + " did not expire");
                }
                Thread.sleep(50);
            }
        }
        r.put("ephemerals", mine);
    }

    private List<Object> eventsSinceLastReport(Session s) throws Exception {
        String barrier = "/__barrier/" + (barriers++);
        if (s.zk.exists(barrier, true) != null) {
            throw new IllegalStateException(barrier + " exists");
        }
        driver.zk.create(barrier, null, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        long end = System.currentTimeMillis() + DEADLINE_MS;
        while (true) {
            synchronized (s.events) {
                for (int i = s.reported; i < s.events.size(); i++) {
                    WatchedEvent e = s.events.get(i);
                    if (barrier.equals(e.getPath())) {
                        List<Object> out = new ArrayList<>();
                        for (WatchedEvent got : s.events.subList(s.reported, i)) {
                            Map<String, Object> m = new LinkedHashMap<>();
                            m.put("type", got.getType().name());
                            m.put("path", got.getPath());
                            out.add(m);
                        }
                        s.reported = i + 1;
                        return out;
                    }
                }
            }
            if (System.currentTimeMillis() > end) {
                throw new IllegalStateException("session " + s.name + " never saw " + barrier);
            }
            Thread.sleep(20);
        }
    }

    private void runScenario(Map<String, Object> sc) throws Exception {
        driver = session("_driver", 10_000);
        driver.zk.create("/__barrier", null, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        sessions.remove("_driver"); // not a scenario session
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> steps = (List<Map<String, Object>>) sc.get("steps");
        for (Map<String, Object> st : steps) {
            st.put("result", run(st));
        }
        for (Session s : sessions.values()) {
            s.zk.close();
        }
        driver.zk.close();
        // Zxids become their rank among the distinct zxids this scenario saw.
        TreeSet<Long> distinct = new TreeSet<>();
        for (Zxid z : zxids) {
            distinct.add(z.value);
        }
        List<Long> order = new ArrayList<>(distinct);
        rank(sc, order);
    }

    @SuppressWarnings("unchecked")
    private static Object rank(Object o, List<Long> order) {
        if (o instanceof Zxid) {
            return Collections.binarySearch(order, ((Zxid) o).value);
        }
        if (o instanceof Map) {
            for (Map.Entry<String, Object> e : ((Map<String, Object>) o).entrySet()) {
                e.setValue(rank(e.getValue(), order));
            }
        } else if (o instanceof List) {
            List<Object> l = (List<Object>) o;
            for (int i = 0; i < l.size(); i++) {
                l.set(i, rank(l.get(i), order));
            }
        }
        return o;
    }

    // ---------------------------------------------------------------- JSON

    private static void json(Object o, StringBuilder b, String indent) {
        if (o == null) {
            b.append("null");
        } else if (o instanceof String) {
            b.append('"');
            for (char c : ((String) o).toCharArray()) {
                if (c == '"' || c == '\\') {
                    b.append('\\').append(c);
                } else if (c < 0x20) {
                    b.append(String.format("\\u%04x", (int) c));
                } else {
                    b.append(c);
                }
            }
            b.append('"');
        } else if (o instanceof Number || o instanceof Boolean) {
            b.append(o);
        } else if (o instanceof Map) {
            Map<?, ?> m = (Map<?, ?>) o;
            boolean flat = m.values().stream().noneMatch(v -> v instanceof Map || v instanceof List);
            String in = indent + "  ";
            b.append('{');
            int i = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                b.append(i++ == 0 ? "" : ",").append(flat ? (i == 1 ? "" : " ") : "\n" + in);
                json(e.getKey(), b, in);
                b.append(": ");
                json(e.getValue(), b, in);
            }
            b.append(flat || m.isEmpty() ? "" : "\n" + indent).append('}');
        } else if (o instanceof List) {
            List<?> l = (List<?>) o;
            boolean flat = l.stream().allMatch(v -> v instanceof String);
            String in = indent + "  ";
            b.append('[');
            for (int i = 0; i < l.size(); i++) {
                b.append(i == 0 ? "" : ",").append(flat ? (i == 0 ? "" : " ") : "\n" + in);
                json(l.get(i), b, in);
            }
            b.append(flat || l.isEmpty() ? "" : "\n" + indent).append(']');
        } else {
            throw new IllegalArgumentException("cannot write " + o.getClass());
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: ZkReference HOST:PORT OUT.json");
            System.exit(2);
        }
        String server = args[0];
        List<Map<String, Object>> all = scenarios();
        ZooKeeper root = new ZooKeeper(server, 10_000, e -> { });
        for (int i = 0; i < all.size(); i++) {
            String chroot = "/scenario-" + i;
            root.create(chroot, null, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            new ZkReference(server, chroot).runScenario(all.get(i));
            System.err.println("zk-reference: " + all.get(i).get("name") + " done");
        }
        root.close();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("about", "ZooKeeper's answers to fixed op sequences; regenerate with scripts/zk-reference.sh"
            + " (see tests/data/README.md). Zxids are ranks among the zxids a scenario saw.");
        doc.put("zookeeper", org.apache.zookeeper.Version.getFullVersion());
        doc.put("scenarios", all);
        StringBuilder b = new StringBuilder();
        json(doc, b, "");
        Files.write(Path.of(args[1]), (b + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
