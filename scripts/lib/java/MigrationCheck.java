import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import kafka.zookeeper.GetDataRequest;
import kafka.zookeeper.GetDataResponse;
import kafka.zookeeper.ZooKeeperClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.Time;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.client.ZKClientConfig;
import scala.Option;

/**
 * The checks of scripts/migrate-to-kraft.sh (ZooKeeper -> KRaft migration), one
 * JVM per call, run from the Kafka libs (plus the adapter jar first for `znode`
 * on etcd): `java -cp "classes:libs/*" MigrationCheck COMMAND ARGS...`.
 *
 *   seed BOOTSTRAP                       topics, a topic config and two ACLs (the data the
 *                                        migration must carry over; needs an authorizer)
 *   wait-healthy BOOTSTRAP BROKERS SECS  wait until BROKERS brokers are registered and every partition
 *                                        (internal topics too) has a leader and all its replicas in sync
 *   snapshot BOOTSTRAP                   topics with their ids, non-default topic configs,
 *                                        ACLs and SCRAM users, one sorted line each
 *   produce BOOTSTRAP TOPIC PHASE N ACKED
 *                                        send N records "PHASE-seq" (acks=all); write the
 *                                        acknowledged ones to file ACKED; exit 1 if one failed
 *   produce-until BOOTSTRAP TOPIC PHASE STOPFILE ACKED
 *                                        the same, about 40 records/s, until STOPFILE exists;
 *                                        failed sends are counted (not acknowledged, so not owed);
 *                                        prints "first ack: VALUE" once one record is acknowledged
 *   verify BOOTSTRAP TOPIC SECS ACKED... read the whole topic; every acknowledged value must be
 *                                        there; prints per file "FILE acked=N missing=M"
 *   znode CONNECT PATH [REGEX SECS]      print a znode's data through kafka.zookeeper.ZooKeeperClient
 *                                        (ZooKeeper, or etcd when the adapter jar comes first);
 *                                        with REGEX, wait until the data matches it
 *   jmx HOST:PORT OBJECT ATTR [VALUE SECS]
 *                                        print a JMX attribute; with VALUE, wait until it equals it
 * Exit 0 on success, 1 on failure or timeout (the last state on stderr).
 */
public final class MigrationCheck {
    private MigrationCheck() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: MigrationCheck seed|snapshot|produce|produce-until|verify|znode|jmx ARGS...");
            System.exit(2);
        }
        String[] a = java.util.Arrays.copyOfRange(args, 1, args.length);
        int rc;
        switch (args[0]) {
            case "seed": rc = seed(a[0]); break;
            case "snapshot": rc = snapshot(a[0]); break;
            case "wait-healthy": rc = waitHealthy(a[0], Integer.parseInt(a[1]), Long.parseLong(a[2])); break;
            case "produce": rc = produce(a[0], a[1], a[2], Long.parseLong(a[3]), null, Paths.get(a[4])); break;
            case "produce-until": rc = produce(a[0], a[1], a[2], Long.MAX_VALUE, Paths.get(a[3]), Paths.get(a[4])); break;
            case "verify": rc = verify(a[0], a[1], Long.parseLong(a[2]), java.util.Arrays.copyOfRange(a, 3, a.length)); break;
            case "znode": rc = znode(a[0], a[1], a.length > 2 ? a[2] : null, a.length > 3 ? Long.parseLong(a[3]) : 0); break;
            case "jmx": rc = jmx(a[0], a[1], a[2], a.length > 3 ? a[3] : null, a.length > 4 ? Long.parseLong(a[4]) : 0); break;
            default:
                System.err.println("unknown command " + args[0]);
                rc = 2;
        }
        System.exit(rc);
    }

    // --- metadata -------------------------------------------------------------------

    private static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return Admin.create(p);
    }

    /** What the migration must carry over besides the records: see docs/kraft-migration.md. */
    private static int seed(String bootstrap) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            admin.createTopics(List.of(
                new NewTopic("orders", 3, (short) 3).configs(Map.of("retention.ms", "86400000")),
                new NewTopic("customers", 1, (short) 3))).all().get(60, TimeUnit.SECONDS);
            // A config set after creation: a /config/changes notification in ZooKeeper mode.
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, "customers"),
                List.of(new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.SET))))
                .all().get(30, TimeUnit.SECONDS);
            // One literal ACL (/kafka-acl) and one prefixed (/kafka-acl-extended).
            admin.createAcls(List.of(
                new AclBinding(new ResourcePattern(ResourceType.TOPIC, "orders", PatternType.LITERAL),
                    new AccessControlEntry("User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW)),
                new AclBinding(new ResourcePattern(ResourceType.GROUP, "billing-", PatternType.PREFIXED),
                    new AccessControlEntry("User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW))))
                .all().get(30, TimeUnit.SECONDS);
        }
        System.out.println("seeded: topics orders (retention.ms), customers (cleanup.policy), 2 ACLs for User:alice");
        return 0;
    }

    private static int waitHealthy(String bootstrap, int brokers, long secs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(secs);
        String last = "(no answer yet)";
        try (Admin admin = admin(bootstrap)) {
            while (true) {
                try {
                    int live = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
                    Set<String> names = admin.listTopics(new ListTopicsOptions().listInternal(true))
                        .names().get(10, TimeUnit.SECONDS);
                    int total = 0, bad = 0;
                    for (TopicDescription d : admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS).values()) {
                        for (TopicPartitionInfo i : d.partitions()) {
                            total++;
                            if (i.leader() == null || i.leader().isEmpty() || i.isr().size() < i.replicas().size()) {
                                bad++;
                            }
                        }
                    }
                    last = "brokers=" + live + " partitions=" + total + " under-replicated or leaderless=" + bad;
                    if (live == brokers && bad == 0) {
                        System.out.println(last);
                        return 0;
                    }
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    last = "error: " + e.getCause();
                }
                if (System.nanoTime() > deadline) {
                    System.err.println("timed out after " + secs + "s; last state: " + last);
                    return 1;
                }
                Thread.sleep(500);
            }
        }
    }

    private static int snapshot(String bootstrap) throws Exception {
        Set<String> lines = new TreeSet<>();
        try (Admin admin = admin(bootstrap)) {
            Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
            List<ConfigResource> resources = new ArrayList<>();
            for (TopicDescription d : topics.values()) {
                lines.add("topic " + d.name() + " id=" + d.topicId() + " partitions=" + d.partitions().size()
                    + " replicas=" + d.partitions().get(0).replicas().size());
                resources.add(new ConfigResource(ConfigResource.Type.TOPIC, d.name()));
            }
            Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
            for (Map.Entry<ConfigResource, Config> e : configs.entrySet()) {
                for (ConfigEntry c : e.getValue().entries()) {
                    if (c.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) {
                        lines.add("config topic/" + e.getKey().name() + " " + c.name() + "=" + c.value());
                    }
                }
            }
            for (AclBinding b : admin.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS)) {
                ResourcePattern r = b.pattern();
                AccessControlEntry e = b.entry();
                lines.add("acl " + r.resourceType() + ":" + r.patternType() + ":" + r.name() + " " + e.principal()
                    + " host=" + e.host() + " " + e.operation() + " " + e.permissionType());
            }
            for (UserScramCredentialsDescription u : admin.describeUserScramCredentials().all()
                    .get(30, TimeUnit.SECONDS).values()) {
                for (ScramCredentialInfo i : u.credentialInfos()) {
                    lines.add("scram " + u.name() + " " + i.mechanism() + " iterations=" + i.iterations());
                }
            }
        }
        lines.forEach(System.out::println);
        return 0;
    }

    // --- records --------------------------------------------------------------------

    private static int produce(String bootstrap, String topic, String phase, long n, Path stop, Path ackedFile)
            throws Exception {
        List<String> acked = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicLong failed = new AtomicLong();
        Map<String, Integer> errors = new java.util.concurrent.ConcurrentHashMap<>();
        long sent = 0;
        try (KafkaProducer<String, String> producer = KafkaClients.durableProducer(bootstrap, 15_000)) {
            while (sent < n && (stop == null || !Files.exists(stop))) {
                String value = String.format("%s-%06d", phase, sent);
                producer.send(new ProducerRecord<>(topic, String.valueOf(sent), value), (md, ex) -> {
                    if (ex == null) {
                        acked.add(value);
                        if (acked.size() == 1) {
                            System.out.println("first ack: " + value);
                            System.out.flush();
                        }
                    } else {
                        failed.incrementAndGet();
                        errors.merge(ex.getClass().getSimpleName(), 1, Integer::sum);
                    }
                });
                sent++;
                if (stop != null) {
                    Thread.sleep(25);
                }
            }
            producer.flush();
        }
        Files.write(ackedFile, acked, StandardCharsets.UTF_8);
        System.out.println(phase + ": sent=" + sent + " acked=" + acked.size() + " failed=" + failed.get()
            + (errors.isEmpty() ? "" : " errors=" + errors));
        return stop == null && failed.get() > 0 ? 1 : 0;
    }

    private static int verify(String bootstrap, String topic, long secs, String[] ackedFiles) throws Exception {
        KafkaClients.Topic log = KafkaClients.readAll(bootstrap, topic, "read_committed", secs);
        if (log == null) {
            return 1;
        }
        Map<String, Integer> seen = new HashMap<>();
        for (String v : log.values()) {
            seen.merge(v, 1, Integer::sum);
        }
        System.out.println(topic + ": " + log.values().size() + " records read (" + seen.size() + " distinct values), end offsets "
            + log.end().values());
        int rc = 0;
        for (String f : ackedFiles) {
            List<String> acked = Files.readAllLines(Paths.get(f), StandardCharsets.UTF_8);
            List<String> missing = new ArrayList<>();
            for (String v : acked) {
                if (!seen.containsKey(v)) {
                    missing.add(v);
                }
            }
            System.out.println(Paths.get(f).getFileName() + " acked=" + acked.size() + " missing=" + missing.size()
                + (missing.isEmpty() ? "" : " first missing: " + missing.subList(0, Math.min(5, missing.size()))));
            if (!missing.isEmpty()) {
                rc = 1;
            }
        }
        return rc;
    }

    // --- znodes and JMX ---------------------------------------------------------------

    private static int znode(String connect, String path, String regex, long secs) throws Exception {
        Pattern want = regex == null ? null : Pattern.compile(regex);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(secs);
        ZooKeeperClient zk = new ZooKeeperClient(connect, 10000, 15000, 10, Time.SYSTEM,
            "kafka.server", "MigrationCheck", new ZKClientConfig(), "migration-check");
        try {
            String last;
            while (true) {
                GetDataResponse r = (GetDataResponse) zk.handleRequest(new GetDataRequest(path, Option.empty()));
                last = r.resultCode() == Code.OK
                    ? (r.data() == null ? "(null)" : new String(r.data(), StandardCharsets.UTF_8))
                    : r.resultCode().toString();
                if (want == null ? r.resultCode() == Code.OK : want.matcher(last).find()) {
                    System.out.println(last);
                    return 0;
                }
                if (want == null || System.nanoTime() > deadline) {
                    System.err.println(path + ": " + last + (want == null ? "" : " (waited " + secs + "s for /" + regex + "/)"));
                    return 1;
                }
                Thread.sleep(300);
            }
        } finally {
            zk.close();
        }
    }

    private static int jmx(String hostPort, String object, String attr, String value, long secs) throws Exception {
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://" + hostPort + "/jmxrmi");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(secs);
        String last = "(no answer yet)";
        while (true) {
            try (JMXConnector c = JMXConnectorFactory.connect(url)) {
                MBeanServerConnection mbs = c.getMBeanServerConnection();
                while (true) {
                    last = String.valueOf(mbs.getAttribute(new ObjectName(object), attr));
                    if (value == null || value.equals(last)) {
                        System.out.println(last);
                        return 0;
                    }
                    if (System.nanoTime() > deadline) {
                        break;
                    }
                    Thread.sleep(300);
                }
            } catch (IOException | javax.management.JMException e) {
                last = "error: " + e;
            }
            if (value == null || System.nanoTime() > deadline) {
                System.err.println(object + " " + attr + ": " + last + (value == null ? "" : " (waited " + secs + "s for " + value + ")"));
                return 1;
            }
            Thread.sleep(300);
        }
    }
}
