import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import kafka.zookeeper.GetChildrenRequest;
import kafka.zookeeper.GetChildrenResponse;
import kafka.zookeeper.GetDataRequest;
import kafka.zookeeper.GetDataResponse;
import kafka.zookeeper.ZooKeeperClient;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.utils.Time;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.client.ZKClientConfig;

/**
 * The Kafka side of scripts/chaos.sh (fault injection on the metadata store).
 * Run from the Kafka libs (for etcd, with our adapter jar first on the classpath,
 * so kafka.zookeeper.ZooKeeperClient is ours and the probe reads etcd):
 *
 *   produce BOOTSTRAP TOPIC RATE DIR
 *       idempotent acks=all producer, RATE records/s, key = value = sequence number.
 *       Every acknowledged record is appended to DIR/acks as "SEQ ACK_EPOCH_MS";
 *       DIR/status is rewritten every 100 ms: "sent=S acked=A failed=F last_ack_ms=T".
 *       Stops when DIR/stop exists: flushes, closes, writes the final status.
 *   verify BOOTSTRAP TOPIC DIR
 *       reads every partition from the beginning to its end offset and compares with
 *       DIR/acks; prints "acked=.. in_log=.. lost=.. duplicated=.. unacked_in_log=..";
 *       exit 1 if an acknowledged record is missing or any record is in the log twice.
 *   probe BOOTSTRAP STORE_CONNECT TOPIC JMX_PORTS STATUS_FILE SINCE STABLE SECS
 *       SINCE is an epoch in ms, or file:PATH: print "ready" once warmed up, wait for
 *       PATH (up to SECS) and read the epoch there (so the JVM starts before the fault);
 *       then polls every 200 ms until all of these have held for STABLE_MS in a row:
 *         - the store's /brokers/ids lists one registration per JMX port (all brokers);
 *           every store member is asked (one session each), the first answer counts,
 *         - exactly one broker has ActiveControllerCount 1 (JMX, each broker asked)
 *           and the store's /controller names that broker,
 *         - every partition of TOPIC has a leader and its full replica set in the ISR,
 *         - the producer got an ack after SINCE_MS (STATUS_FILE's last_ack_ms);
 *       then prints "healed_ms=N" (first instant of that stable run minus SINCE).
 *       STABLE = until:PATH instead: polls until PATH exists, then prints "healed_ms=N"
 *       if the state was good at that moment (N: the start of that good run), else
 *       "not_healed" (used while a fault lasts).
 *       Every change of state is printed with its time since SINCE_MS. Exit 1 after
 *       SECS seconds without healing (the last state on stderr).
 */
public final class ChaosClient {
    public static void main(String[] args) throws Exception {
        if (args.length < 1) usage();
        switch (args[0]) {
            case "produce":
                if (args.length != 5) usage();
                produce(args[1], args[2], Integer.parseInt(args[3]), Paths.get(args[4]));
                return;
            case "verify":
                if (args.length != 4) usage();
                System.exit(verify(args[1], args[2], Paths.get(args[3])));
                return;
            case "probe":
                if (args.length != 9) usage();
                System.exit(new Probe(args[1], args[2], args[3], args[4], Paths.get(args[5]),
                    args[6], args[7]).run(Long.parseLong(args[8])));
                return;
            default:
                usage();
        }
    }

    private static void usage() {
        System.err.println("usage: ChaosClient produce BOOTSTRAP TOPIC RATE DIR | verify BOOTSTRAP TOPIC DIR"
            + " | probe BOOTSTRAP STORE_CONNECT TOPIC JMX_PORTS STATUS_FILE SINCE_MS STABLE_MS SECS");
        System.exit(2);
    }

    // --- produce ----------------------------------------------------------------

    private static void produce(String bootstrap, String topic, int rate, Path dir) throws Exception {
        Path stop = dir.resolve("stop"), status = dir.resolve("status");
        AtomicLong acked = new AtomicLong(), failed = new AtomicLong(), lastAck = new AtomicLong();
        long sent = 0;
        try (BufferedWriter acks = Files.newBufferedWriter(dir.resolve("acks"), StandardCharsets.UTF_8);
             KafkaProducer<String, String> producer = KafkaClients.durableProducer(bootstrap, 10_000)) {
            long t0 = System.nanoTime(), lastStatus = 0;
            while (!Files.exists(stop)) {
                // Send what the rate allows by now, so a stall is followed by a catch-up burst.
                long due = (System.nanoTime() - t0) * rate / 1_000_000_000L;
                while (sent < due) {
                    final long seq = sent++;
                    String v = Long.toString(seq);
                    producer.send(new ProducerRecord<>(topic, v, v), (md, e) -> {
                        if (e != null) { failed.incrementAndGet(); return; }
                        long now = System.currentTimeMillis();
                        synchronized (acks) {
                            try { acks.write(seq + " " + now + "\n"); } catch (IOException io) { throw new RuntimeException(io); }
                        }
                        acked.incrementAndGet();
                        lastAck.set(now);
                    });
                }
                long now = System.currentTimeMillis();
                if (now - lastStatus >= 100) {
                    synchronized (acks) { acks.flush(); }
                    writeStatus(status, sent, acked.get(), failed.get(), lastAck.get());
                    lastStatus = now;
                }
                Thread.sleep(5);
            }
            producer.flush();
            producer.close(Duration.ofSeconds(30));
            synchronized (acks) { acks.flush(); }
        }
        writeStatus(status, sent, acked.get(), failed.get(), lastAck.get());
        System.out.println("sent=" + sent + " acked=" + acked.get() + " failed=" + failed.get());
    }

    private static void writeStatus(Path status, long sent, long acked, long failed, long lastAck) throws IOException {
        Path tmp = status.resolveSibling("status.tmp");
        Files.write(tmp, ("sent=" + sent + " acked=" + acked + " failed=" + failed + " last_ack_ms=" + lastAck + "\n")
            .getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, status, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    // --- verify -----------------------------------------------------------------

    private static int verify(String bootstrap, String topic, Path dir) throws Exception {
        TreeSet<Long> ackedSeqs = new TreeSet<>();
        for (String line : Files.readAllLines(dir.resolve("acks"), StandardCharsets.UTF_8)) {
            if (!line.isBlank()) ackedSeqs.add(Long.parseLong(line.split(" ")[0]));
        }
        KafkaClients.Topic log = KafkaClients.readAll(bootstrap, topic, "read_uncommitted", 120);
        if (log == null) {
            return 1;
        }
        Map<Long, Integer> seen = new HashMap<>();
        for (String v : log.values()) seen.merge(Long.parseLong(v), 1, Integer::sum);
        long records = log.values().size();
        long lost = 0, dup = 0, unacked = 0;
        for (long s : ackedSeqs) if (!seen.containsKey(s)) lost++;
        for (Map.Entry<Long, Integer> e : seen.entrySet()) {
            if (e.getValue() > 1) dup++;
            if (!ackedSeqs.contains(e.getKey())) unacked++;
        }
        System.out.println("acked=" + ackedSeqs.size() + " in_log=" + records + " lost=" + lost + " duplicated=" + dup
            + " unacked_in_log=" + unacked);
        if (lost > 0) {
            List<Long> some = new ArrayList<>();
            for (long s : ackedSeqs) if (!seen.containsKey(s) && some.size() < 20) some.add(s);
            System.err.println("verify: acknowledged records missing from the log, e.g. " + some);
        }
        return lost == 0 && dup == 0 ? 0 : 1;
    }

    // --- probe ------------------------------------------------------------------

    /** What the store says: broker id -> czxid of /brokers/ids/ID, and /controller's broker id. */
    private static final class StoreView {
        final TreeMap<String, Long> registrations;
        final String controller;

        StoreView(TreeMap<String, Long> registrations, String controller) {
            this.registrations = registrations;
            this.controller = controller;
        }
    }

    /**
     * One session on one store member (connect string "host:port/chroot"). The probe asks
     * every member at once and takes the first answer, so that its own session being stuck
     * on a stopped or cut-off member (ZooKeeper's client waits 2/3 of the session timeout
     * before it moves on) is never mistaken for Kafka being unhealthy.
     */
    private static final class StoreMember {
        private static final Pattern BROKERID = Pattern.compile("\"brokerid\"\\s*:\\s*(-?\\d+)");
        private final String connect;
        private ZooKeeperClient zk;
        private long troubleSince = -1;
        java.util.concurrent.Future<StoreView> inFlight;

        StoreMember(String connect) { this.connect = connect; }

        StoreView read() throws Exception {
            try {
                if (zk == null) {
                    zk = new ZooKeeperClient(connect, 10000, 4000, 10, Time.SYSTEM, "kafka.server",
                        "ChaosProbe", new ZKClientConfig(), "chaos probe " + connect);
                }
                StoreView v = readWith(zk);
                troubleSince = -1;
                return v;
            } catch (Exception e) {
                // A session that expired, or stays unusable for 5 s, is replaced by a new one.
                long now = System.currentTimeMillis();
                if (troubleSince < 0) troubleSince = now;
                boolean expired = e instanceof KeeperException
                    && ((KeeperException) e).code() == KeeperException.Code.SESSIONEXPIRED;
                if (expired || !(e instanceof KeeperException) || now - troubleSince > 5000) close();
                throw e;
            }
        }

        private static StoreView readWith(ZooKeeperClient c) throws KeeperException {
            GetChildrenResponse ch = (GetChildrenResponse) c.handleRequest(
                new GetChildrenRequest("/brokers/ids", false, scala.Option.empty()));
            if (ch.resultCode() != KeeperException.Code.OK) throw KeeperException.create(ch.resultCode(), "/brokers/ids");
            TreeMap<String, Long> regs = new TreeMap<>();
            for (String id : scala.jdk.javaapi.CollectionConverters.asJava(ch.children())) {
                GetDataResponse d = (GetDataResponse) c.handleRequest(new GetDataRequest("/brokers/ids/" + id, scala.Option.empty()));
                if (d.resultCode() == KeeperException.Code.NONODE) continue;   // gone between the two reads
                if (d.resultCode() != KeeperException.Code.OK) throw KeeperException.create(d.resultCode(), d.path());
                regs.put(id, d.stat().getCzxid());
            }
            GetDataResponse ctl = (GetDataResponse) c.handleRequest(new GetDataRequest("/controller", scala.Option.empty()));
            String storeCtl = "none";
            if (ctl.resultCode() == KeeperException.Code.OK && ctl.data() != null) {
                Matcher m = BROKERID.matcher(new String(ctl.data(), StandardCharsets.UTF_8));
                if (m.find()) storeCtl = m.group(1);
            } else if (ctl.resultCode() != KeeperException.Code.NONODE) {
                throw KeeperException.create(ctl.resultCode(), "/controller");
            }
            return new StoreView(regs, storeCtl);
        }

        void close() {
            if (zk != null) {
                ZooKeeperClient c = zk;
                zk = null;
                try { c.close(); } catch (Exception ignored) { /* closing a broken session */ }
            }
        }
    }

    private static final class Probe {
        private static final long STORE_WAIT_MS = 1500;
        private final String topic;
        private final List<StoreMember> members = new ArrayList<>();
        private final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "store-read");
            t.setDaemon(true);
            return t;
        });
        private final int[] jmxPorts;
        private final JMXConnector[] jmx;
        private final Path statusFile;
        private final String sinceArg;
        private final String stableArg;
        private long since;
        private final Admin admin;

        Probe(String bootstrap, String storeConnect, String topic, String jmxPorts, Path statusFile, String since, String stable) {
            int slash = storeConnect.indexOf('/');
            String hosts = slash < 0 ? storeConnect : storeConnect.substring(0, slash);
            String chroot = slash < 0 ? "" : storeConnect.substring(slash);
            for (String h : hosts.split(",")) members.add(new StoreMember(h + chroot));
            this.topic = topic;
            String[] ps = jmxPorts.split(",");
            this.jmxPorts = new int[ps.length];
            for (int i = 0; i < ps.length; i++) this.jmxPorts[i] = Integer.parseInt(ps[i]);
            this.jmx = new JMXConnector[ps.length];
            this.statusFile = statusFile;
            this.sinceArg = since;
            this.stableArg = stable;
            Properties p = new Properties();
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
            p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "100");
            p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
            this.admin = Admin.create(p);
        }

        int run(long secs) throws Exception {
            // Warm up before the fault (the script waits for "ready"): a session on every store
            // member, JMX connections and the Admin client, so that none of their start is counted.
            long warm = System.currentTimeMillis() + secs * 1000;
            for (StoreMember m : members) {
                while (true) {
                    try {
                        m.read();
                        break;
                    } catch (Exception e) {
                        if (System.currentTimeMillis() > warm) throw e;
                        Thread.sleep(200);
                    }
                }
            }
            for (int i = 0; i < jmx.length; i++) activeControllerCount(i);
            try {
                admin.describeTopics(List.of(topic)).allTopicNames().get(5, TimeUnit.SECONDS);
            } catch (Exception e) { /* only a warm-up */ }
            System.out.println("ready");
            System.out.flush();
            if (sinceArg.startsWith("file:")) {
                Path f = Paths.get(sinceArg.substring(5));
                long wait = System.currentTimeMillis() + secs * 1000;
                while (!Files.exists(f) || Files.readString(f).isBlank()) {
                    if (System.currentTimeMillis() > wait) {
                        System.err.println("no " + f + " after " + secs + " s");
                        return 1;
                    }
                    Thread.sleep(20);
                }
                since = Long.parseLong(Files.readString(f).trim());
            } else {
                since = Long.parseLong(sinceArg);
            }
            long deadline = System.currentTimeMillis() + secs * 1000;
            Path until = stableArg.startsWith("until:") ? Paths.get(stableArg.substring(6)) : null;
            long stableMs = until == null ? Long.parseLong(stableArg) : Long.MAX_VALUE;
            long okSince = -1;
            boolean untilSeen = false;
            String prev = "";
            while (true) {
                long t = System.currentTimeMillis();
                String state;
                boolean ok;
                try {
                    StringBuilder sb = new StringBuilder();
                    ok = check(sb);
                    state = sb.toString();
                } catch (Exception e) {
                    ok = false;
                    state = "error: " + e;
                }
                boolean changed = !state.equals(prev);
                if (changed) {
                    System.out.println("+" + (t - since) + "ms " + (ok ? "OK " : "") + state);
                    System.out.flush();
                    prev = state;
                }
                // A stable run: every check passing and nothing changing (a broker that
                // re-registers or a controller that moves starts the run again).
                if (!ok) okSince = -1;
                else if (changed || okSince < 0) okSince = t;
                if (until != null && untilSeen) {
                    System.out.println(okSince >= 0 ? "healed_ms=" + Math.max(0, okSince - since) : "not_healed");
                    close();
                    return 0;
                }
                untilSeen = until != null && Files.exists(until);   // one more poll after it appears
                if (okSince >= 0 && t - okSince >= stableMs) {
                    System.out.println("healed_ms=" + Math.max(0, okSince - since));
                    close();
                    return 0;
                }
                if (t > deadline) {
                    System.err.println("not healed after " + secs + " s; last state: " + state);
                    close();
                    return 1;
                }
                long left = 200 - (System.currentTimeMillis() - t);
                if (left > 0) Thread.sleep(left);
            }
        }

        /** The first answer of any store member within STORE_WAIT_MS (reads already running are reused). */
        private StoreView storeView(StringBuilder errors) throws InterruptedException {
            for (StoreMember m : members) {
                // An answer that came in after the last poll gave up waiting is stale: ask again.
                if (m.inFlight == null || m.inFlight.isDone()) m.inFlight = pool.submit(m::read);
            }
            long deadline = System.currentTimeMillis() + STORE_WAIT_MS;
            while (true) {
                boolean pending = false;
                for (StoreMember m : members) {
                    java.util.concurrent.Future<StoreView> f = m.inFlight;
                    if (f == null) continue;
                    if (!f.isDone()) { pending = true; continue; }
                    m.inFlight = null;
                    try {
                        return f.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        Throwable c = e.getCause();
                        errors.append(errors.length() == 0 ? "" : ",")
                            .append(c instanceof KeeperException ? ((KeeperException) c).code().toString() : c.getClass().getSimpleName());
                    }
                }
                if (!pending || System.currentTimeMillis() > deadline) return null;
                Thread.sleep(10);
            }
        }

        /** Appends a one-line state; true when every condition holds. */
        private boolean check(StringBuilder sb) throws Exception {
            boolean ok = true;
            // 1. registrations in the store
            StringBuilder errors = new StringBuilder();
            StoreView v = storeView(errors);
            if (v == null) {
                sb.append("store: no member answered within ").append(STORE_WAIT_MS).append(" ms (").append(errors).append(')');
                return false;
            }
            ok &= v.registrations.size() == jmxPorts.length;
            // broker@czxid: the czxid is the broker epoch, new after each re-registration
            StringBuilder r = new StringBuilder();
            for (Map.Entry<String, Long> e : v.registrations.entrySet()) r.append(r.length() == 0 ? "" : ",").append(e.getKey()).append('@').append(e.getValue());
            sb.append("registered=[").append(r).append(']');
            // 2. exactly one active controller, the one the store names
            List<Integer> active = new ArrayList<>();
            StringBuilder counts = new StringBuilder();
            for (int i = 0; i < jmxPorts.length; i++) {
                int n = activeControllerCount(i);
                counts.append(i == 0 ? "" : ",").append(n < 0 ? "?" : String.valueOf(n));
                if (n > 0) active.add(i + 1);
            }
            ok &= active.size() == 1 && v.controller.equals(String.valueOf(active.get(0)));
            sb.append(" /controller=").append(v.controller).append(" active_controller_count=[").append(counts).append(']');
            // 3. every partition led and fully in sync
            TopicDescription td = admin.describeTopics(List.of(topic), new DescribeTopicsOptions().timeoutMs(3000))
                .allTopicNames().get(5, TimeUnit.SECONDS).get(topic);
            int full = 0;
            for (TopicPartitionInfo pi : td.partitions()) {
                boolean led = pi.leader() != null && !pi.leader().isEmpty() && pi.leader().id() >= 0;
                if (led && pi.isr().size() == pi.replicas().size()) full++;
            }
            ok &= full == td.partitions().size();
            sb.append(" full_isr=").append(full).append('/').append(td.partitions().size());
            // 4. acks flowing since the fault ended
            long lastAck = lastAckMs();
            boolean acks = lastAck > since;
            ok &= acks;
            sb.append(acks ? " acks=flowing" : " acks=none_since_fault_end");
            return ok;
        }

        /** The broker's ActiveControllerCount over JMX, or -1 when it cannot be read now. */
        private int activeControllerCount(int i) {
            try {
                if (jmx[i] == null) {
                    JMXServiceURL url = new JMXServiceURL(
                        "service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPorts[i] + "/jmxrmi");
                    jmx[i] = JMXConnectorFactory.connect(url);
                }
                MBeanServerConnection mbs = jmx[i].getMBeanServerConnection();
                Object v = mbs.getAttribute(
                    new ObjectName("kafka.controller:type=KafkaController,name=ActiveControllerCount"), "Value");
                return ((Number) v).intValue();
            } catch (Exception e) {
                try { if (jmx[i] != null) jmx[i].close(); } catch (Exception ignored) { /* already broken */ }
                jmx[i] = null;
                return -1;
            }
        }

        private long lastAckMs() throws IOException {
            for (String kv : Files.readString(statusFile).trim().split(" ")) {
                if (kv.startsWith("last_ack_ms=")) return Long.parseLong(kv.substring("last_ack_ms=".length()));
            }
            return 0;
        }

        private void close() {
            admin.close(Duration.ofSeconds(2));
            for (JMXConnector j : jmx) try { if (j != null) j.close(); } catch (Exception ignored) { /* closing */ }
            for (StoreMember m : members) m.close();
        }
    }
}
