package io.kafkaetcd.kafka.tool;

import java.io.PrintStream;
import java.util.List;

import io.kafkaetcd.KeeperException;

/**
 * The operator's shell for a kafka-etcd store, run the Kafka way:
 * <pre>
 * CLASSPATH=kafka-etcd-kafka.jar bin/kafka-run-class.sh io.kafkaetcd.kafka.tool.EtcdZkShell CONNECT COMMAND ...
 * </pre>
 * (or {@code bin/kafka-etcd-shell.sh}). CONNECT is the broker's {@code zookeeper.connect};
 * {@code --zk-tls-config-file FILE} is the broker's TLS and etcd-user settings, as for Kafka's
 * own tools, and {@code --namespace NS} its {@code kafkaetcd.namespace}. Commands and options:
 * {@link #USAGE}. Exit status: 0 done, 1 failed (or differences found), 2 bad usage, 3 refused
 * (live brokers, or a non-empty target without --overwrite/--resume).
 */
public final class EtcdZkShell {
    static final String USAGE = String.join("\n",
            "usage: kafka-etcd-shell.sh CONNECT COMMAND [ARGS] [OPTIONS]",
            "  CONNECT                        the broker's zookeeper.connect (host:port,...[/chroot])",
            "  --zk-tls-config-file FILE      TLS and etcd user settings (zookeeper.ssl.*, kafkaetcd.etcd.user, ...)",
            "  --namespace NS                 the broker's kafkaetcd.namespace (default zk)",
            "  --json                         JSON output",
            "inspect:",
            "  ls PATH | get PATH | stat PATH | tree [PATH]",
            "  watch PATH [--children] [--count N]     print events until interrupted or N events",
            "  sessions                       live sessions and the ephemeral nodes each owns",
            "edit (refused while a broker is registered under /brokers/ids, unless --force):",
            "  create PATH [DATA] [--null] [--sequential] | set PATH DATA [--null] [--version V]",
            "  delete PATH [--version V] | rmr PATH",
            "move (brokers stopped):",
            "  import-zookeeper --from ZK_CONNECT   copy a ZooKeeper tree in (versions, ACLs, counters, times)",
            "  export-zookeeper --to ZK_CONNECT     copy the tree out to ZooKeeper (the way back)",
            "  verify-zookeeper --against ZK_CONNECT  compare the two trees node by node",
            "    [--dry-run] [--overwrite | --resume] [--no-verify] [--zk-config-file FILE] [--zk-auth SCHEME:CRED]",
            "  dump --file FILE|-              every znode as JSON lines (base64 data)",
            "  restore --file FILE|- [--overwrite | --resume]");

    private EtcdZkShell() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            Options o = new Options(args);
            if (o.flag("--help")) {
                out.println(USAGE);
                return 0;
            }
            if (o.words.size() < 2) {
                throw new ToolException(2, "missing CONNECT or COMMAND\n" + USAGE);
            }
            String cmd = o.words.get(1);
            List<String> rest = o.words.subList(2, o.words.size());
            try (ShellContext ctx = new ShellContext(o, o.words.get(0), out, err)) {
                switch (cmd) {
                    case "ls": case "get": case "stat": case "tree": case "watch": case "sessions":
                        return new InspectCommands(ctx).run(cmd, rest);
                    case "create": case "set": case "delete": case "rmr":
                        return new EditCommands(ctx).run(cmd, rest);
                    case "import-zookeeper": case "export-zookeeper": case "verify-zookeeper": case "dump":
                    case "restore":
                        return new MoveCommands(ctx).run(cmd, rest);
                    default:
                        throw new ToolException(2, "unknown command " + cmd + "\n" + USAGE);
                }
            }
        } catch (ToolException e) {
            err.println("error: " + e.getMessage());
            return e.exitCode;
        } catch (KeeperException e) {
            err.println("error: " + e.code() + (e.getPath() != null ? " " + e.getPath() : "") + ": " + e.getMessage());
            return e.code() == io.kafkaetcd.Code.BADARGUMENTS ? 2 : 1;
        } catch (org.apache.zookeeper.KeeperException e) {
            err.println("error: ZooKeeper " + e.code() + (e.getPath() != null ? " " + e.getPath() : ""));
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("error: interrupted");
            return 1;
        } catch (Exception e) {
            err.println("error: " + e);
            return 1;
        }
    }

    static ToolException usage(String what) {
        return new ToolException(2, "usage: " + what);
    }
}
