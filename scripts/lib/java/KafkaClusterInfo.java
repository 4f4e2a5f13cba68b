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
            default:
                System.err.println("unknown command " + cmd);
                return 2;
        }
    }

    private static volatile String last = "(no answer yet)";

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
