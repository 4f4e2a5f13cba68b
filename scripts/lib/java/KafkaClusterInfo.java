import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * Small cluster probe for the demo scripts, run from the Kafka libs with
 * `java -cp "classes:libs/*" KafkaClusterInfo BOOTSTRAP COMMAND ...`.
 *
 * Commands (each polls inside one JVM, so a wait costs one JVM start):
 *   controller                       print the active controller's broker id
 *   brokers                          print the live broker ids, comma separated
 *   partition TOPIC P                print "leader=L replicas=a,b,c isr=a,b"
 *   wait-isr TOPIC P SIZE SECS       wait until the ISR has SIZE members and a leader
 *   wait-leader-not TOPIC P ID SECS  wait until the leader is a live broker other than ID
 *   wait-brokers N SECS              wait until N brokers are registered
 *   wait-controller-not ID SECS      wait until the controller is a broker other than ID
 *   create-topics PREFIX N PARTS RF SECS
 *                                    create topics PREFIX0..PREFIX(N-1) (PARTS partitions, RF replicas)
 *                                    in one CreateTopics call, then wait until every partition has a
 *                                    leader and RF replicas in its ISR; prints
 *                                    "created_ms=A leaders_ms=B isr_ms=C" (ms since the call)
 *   leaderless PREFIX [DEAD]         print the number of partitions of the topics named PREFIX*
 *                                    without a live leader (none, or the broker DEAD) and the total
 *   watch-failover PREFIX DEAD SECS [POLL_MS]
 *                                    poll (every POLL_MS, default 200) the partitions of PREFIX* and
 *                                    the controller; prints "ready" after the first answer, then one
 *                                    line "EPOCH_MS leaderless=N total=T controller=C" whenever N or C
 *                                    changes; exits 0 once no partition's leader is none or DEAD
 * Exit 0 on success, 1 on timeout/failure (the last state is printed to stderr).
 */
public final class KafkaClusterInfo {
    private static Admin admin;

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: KafkaClusterInfo BOOTSTRAP COMMAND ARGS...");
            System.exit(2);
        }
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "8000");
        p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "200");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        if (args[1].equals("create-topics")) {
            // CreateTopics of many partitions may take longer than one short request timeout.
            String ms = String.valueOf(Long.parseLong(args[6]) * 1000);
            p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
        }
        int rc;
        try (Admin a = Admin.create(p)) {
            admin = a;
            rc = run(args[1], java.util.Arrays.copyOfRange(args, 2, args.length));
        }
        System.exit(rc);
    }

    private static int run(String cmd, String[] a) throws Exception {
        switch (cmd) {
            case "controller":
                System.out.println(controller().id());
                return 0;
            case "brokers":
                System.out.println(brokers().stream().map(String::valueOf).collect(Collectors.joining(",")));
                return 0;
            case "partition":
                System.out.println(describe(partition(a[0], Integer.parseInt(a[1]))));
                return 0;
            case "wait-isr": {
                String t = a[0];
                int part = Integer.parseInt(a[1]), size = Integer.parseInt(a[2]);
                return waitFor(Long.parseLong(a[3]), () -> {
                    TopicPartitionInfo i = partition(t, part);
                    last = describe(i);
                    return i.leader() != null && !i.leader().isEmpty() && i.isr().size() == size;
                });
            }
            case "wait-leader-not": {
                String t = a[0];
                int part = Integer.parseInt(a[1]), old = Integer.parseInt(a[2]);
                return waitFor(Long.parseLong(a[3]), () -> {
                    TopicPartitionInfo i = partition(t, part);
                    last = describe(i);
                    return i.leader() != null && !i.leader().isEmpty() && i.leader().id() != old
                        && brokers().contains(i.leader().id());
                });
            }
            case "wait-brokers": {
                int n = Integer.parseInt(a[0]);
                return waitFor(Long.parseLong(a[1]), () -> {
                    List<Integer> b = brokers();
                    last = "brokers=" + b;
                    return b.size() == n;
                });
            }
            case "wait-controller-not": {
                int old = Integer.parseInt(a[0]);
                return waitFor(Long.parseLong(a[1]), () -> {
                    Node c = controller();
                    last = "controller=" + (c == null ? "none" : c.id());
                    return c != null && !c.isEmpty() && c.id() != old && c.id() >= 0;
                });
            }
            case "create-topics":
                return createTopics(a[0], Integer.parseInt(a[1]), Integer.parseInt(a[2]),
                    Short.parseShort(a[3]), Long.parseLong(a[4]));
            case "leaderless": {
                int dead = a.length > 1 ? Integer.parseInt(a[1]) : -1;
                int[] c = leaderless(topics(a[0]), dead);
                System.out.println("leaderless=" + c[0] + " total=" + c[1]);
                return 0;
            }
            case "watch-failover":
                return watchFailover(a[0], Integer.parseInt(a[1]), Long.parseLong(a[2]),
                    a.length > 3 ? Long.parseLong(a[3]) : 200);
            default:
                System.err.println("unknown command " + cmd);
                return 2;
        }
    }

    private static volatile String last = "(no answer yet)";

    private static List<String> topics(String prefix) throws Exception {
        List<String> names = new ArrayList<>();
        for (String n : admin.listTopics().names().get(8, TimeUnit.SECONDS)) if (n.startsWith(prefix)) names.add(n);
        names.sort(null);
        return names;
    }

    private static java.util.Collection<TopicDescription> describeAll(List<String> names) throws Exception {
        return admin.describeTopics(names, new DescribeTopicsOptions().timeoutMs(5000))
            .allTopicNames().get(8, TimeUnit.SECONDS).values();
    }

    /** {partitions whose leader is none or DEAD, all partitions}. */
    private static int[] leaderless(List<String> names, int dead) throws Exception {
        int bad = 0, total = 0;
        for (TopicDescription d : describeAll(names)) {
            for (TopicPartitionInfo i : d.partitions()) {
                total++;
                if (i.leader() == null || i.leader().isEmpty() || i.leader().id() < 0 || i.leader().id() == dead) bad++;
            }
        }
        return new int[] {bad, total};
    }

    private static int createTopics(String prefix, int n, int parts, short rf, long secs) throws Exception {
        List<org.apache.kafka.clients.admin.NewTopic> nt = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            names.add(prefix + k);
            nt.add(new org.apache.kafka.clients.admin.NewTopic(prefix + k, parts, rf));
        }
        long t0 = System.nanoTime(), deadline = t0 + TimeUnit.SECONDS.toNanos(secs);
        admin.createTopics(nt, new org.apache.kafka.clients.admin.CreateTopicsOptions().timeoutMs((int) Math.min(secs * 1000, 120000)))
            .all().get(secs, TimeUnit.SECONDS);
        long created = System.nanoTime(), leaders = -1;
        String state = "(no answer yet)";
        while (System.nanoTime() < deadline) {
            try {
                int noLeader = 0, shortIsr = 0, total = 0;
                for (TopicDescription d : describeAll(names)) {
                    for (TopicPartitionInfo i : d.partitions()) {
                        total++;
                        if (i.leader() == null || i.leader().isEmpty() || i.leader().id() < 0) noLeader++;
                        else if (i.isr().size() < rf) shortIsr++;
                    }
                }
                state = "partitions=" + total + " without leader=" + noLeader + " short ISR=" + shortIsr;
                if (total == n * parts && noLeader == 0) {
                    if (leaders < 0) leaders = System.nanoTime();
                    if (shortIsr == 0) {
                        System.out.println("created_ms=" + ms(created - t0) + " leaders_ms=" + ms(leaders - t0)
                            + " isr_ms=" + ms(System.nanoTime() - t0));
                        return 0;
                    }
                }
            } catch (Exception e) {
                state = "error: " + e;
            }
            Thread.sleep(200);
        }
        System.err.println("timed out after " + secs + "s; last state: " + state);
        return 1;
    }

    private static long ms(long nanos) { return TimeUnit.NANOSECONDS.toMillis(nanos); }

    private static int watchFailover(String prefix, int dead, long secs, long pollMs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(secs);
        List<String> names = null;
        boolean ready = false;
        String prev = "";
        String state = "(no answer yet)";
        while (System.nanoTime() < deadline) {
            long t = System.currentTimeMillis();
            try {
                if (names == null) names = topics(prefix);
                org.apache.kafka.common.KafkaFuture<Node> cf =
                    admin.describeCluster(new DescribeClusterOptions().timeoutMs(5000)).controller();
                int[] c = leaderless(names, dead);
                Node ctl = null;
                try { ctl = cf.get(8, TimeUnit.SECONDS); } catch (Exception e) { /* unknown this round */ }
                String ctlS = ctl == null || ctl.isEmpty() ? "none" : String.valueOf(ctl.id());
                state = "leaderless=" + c[0] + " total=" + c[1] + " controller=" + ctlS;
                if (!ready) { System.out.println("ready " + t + " " + state); ready = true; }
                if (!state.equals(prev)) { System.out.println(System.currentTimeMillis() + " " + state); prev = state; }
                if (c[0] == 0 && c[1] > 0) return 0;
            } catch (Exception e) {
                state = "error: " + e;
            }
            System.out.flush();
            long left = pollMs - (System.currentTimeMillis() - t);
            if (left > 0) Thread.sleep(left);
        }
        System.err.println("timed out after " + secs + "s; last state: " + state);
        return 1;
    }

    private interface Check { boolean ok() throws Exception; }

    private static int waitFor(long secs, Check c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(secs);
        while (true) {
            try {
                if (c.ok()) {
                    System.out.println(last);
                    return 0;
                }
            } catch (Exception e) {
                last = "error: " + e;
            }
            if (System.nanoTime() > deadline) {
                System.err.println("timed out after " + secs + "s; last state: " + last);
                return 1;
            }
            Thread.sleep(250);
        }
    }

    private static Node controller() throws Exception {
        return admin.describeCluster(new DescribeClusterOptions().timeoutMs(5000)).controller().get();
    }

    private static List<Integer> brokers() throws Exception {
        List<Integer> ids = new ArrayList<>();
        for (Node n : admin.describeCluster(new DescribeClusterOptions().timeoutMs(5000)).nodes().get()) ids.add(n.id());
        ids.sort(null);
        return ids;
    }

    private static TopicPartitionInfo partition(String topic, int p) throws Exception {
        TopicDescription d = admin.describeTopics(List.of(topic), new DescribeTopicsOptions().timeoutMs(5000))
            .allTopicNames().get().get(topic);
        for (TopicPartitionInfo i : d.partitions()) if (i.partition() == p) return i;
        throw new IllegalStateException("no partition " + p + " in " + topic);
    }

    private static String ids(List<Node> nodes) {
        return nodes.stream().map(n -> String.valueOf(n.id())).collect(Collectors.joining(","));
    }

    private static String describe(TopicPartitionInfo i) {
        String leader = i.leader() == null || i.leader().isEmpty() ? "none" : String.valueOf(i.leader().id());
        return "leader=" + leader + " replicas=" + ids(i.replicas()) + " isr=" + ids(i.isr());
    }
}
