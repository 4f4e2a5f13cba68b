package io.kafkaetcd.kafka;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.kafkaetcd.KafkaEtcdClient;
import io.kafkaetcd.KeeperException;
import io.kafkaetcd.Stat;

/**
 * Reads znodes straight from etcd through the Java API, for the demo and the
 * end-to-end test (what Kafka stored, without asking Kafka):
 *
 * <pre>
 * java -cp kafka-etcd-kafka.jar:KAFKA_LIBS/* io.kafkaetcd.kafka.ZnodeTool CONNECT COMMAND PATH...
 *   get PATH     the data (UTF-8), then a line "stat: czxid=.. version=.. ..."
 *   data PATH    the data only
 *   stat PATH    the Stat only
 *   ls PATH      the children, sorted, one per line
 * </pre>
 * CONNECT is Kafka's zookeeper.connect ({@code host:port,...[/chroot]}); the
 * namespace comes from -Dkafkaetcd.namespace like the broker's. Exit status 1
 * (message on stderr) when a node is missing or etcd cannot be reached.
 * Operators want {@link io.kafkaetcd.kafka.tool.EtcdZkShell} (bin/kafka-etcd-shell.sh):
 * more commands, the broker's TLS settings, import and export.
 */
public final class ZnodeTool {
    private ZnodeTool() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: ZnodeTool CONNECT get|data|stat|ls PATH...");
            System.exit(2);
        }
        int rc = 0;
        // A short session: the tool creates nothing, so its lease only needs to outlive the reads.
        try (KafkaEtcdClient zk = KafkaEtcdClient.open(args[0],
                AdapterSettings.from(null).clientConfig(10_000, 15_000), null)) {
            for (int i = 2; i < args.length; i++) {
                try {
                    run(zk, args[1], args[i]);
                } catch (KeeperException e) {
                    System.err.println(args[1] + " " + args[i] + ": " + e.code() + " " + e.getMessage());
                    rc = 1;
                }
            }
        } catch (KeeperException e) {
            System.err.println("cannot connect to " + args[0] + ": " + e.code() + " " + e.getMessage());
            rc = 1;
        }
        System.exit(rc);
    }

    private static void run(KafkaEtcdClient zk, String cmd, String path) throws Exception {
        Stat stat = new Stat();
        switch (cmd) {
            case "get":
            case "data": {
                byte[] data = zk.getData(path, false, stat);
                System.out.println(data == null ? "(null)" : new String(data, StandardCharsets.UTF_8));
                if (cmd.equals("get")) {
                    System.out.println("stat: " + describe(stat));
                }
                break;
            }
            case "stat":
                Stat s = zk.exists(path, false);
                if (s == null) {
                    throw new KeeperException.NoNodeException("no node", path);
                }
                System.out.println(describe(s));
                break;
            case "ls": {
                List<String> children = new ArrayList<>(zk.getChildren(path, false));
                Collections.sort(children);
                children.forEach(System.out::println);
                break;
            }
            default:
                throw new IllegalArgumentException("unknown command " + cmd);
        }
    }

    static String describe(Stat s) {
        return "czxid=" + s.getCzxid() + " mzxid=" + s.getMzxid() + " version=" + s.getVersion()
                + " cversion=" + s.getCversion() + " ephemeralOwner=0x" + Long.toHexString(s.getEphemeralOwner())
                + " dataLength=" + s.getDataLength() + " numChildren=" + s.getNumChildren()
                + " ctime=" + s.getCtime();
    }
}
