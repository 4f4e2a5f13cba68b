package io.kafkaetcd.kafka.tool;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.kafkaetcd.Acl;
import io.kafkaetcd.CreateMode;
import io.kafkaetcd.Stat;

/**
 * create, set, delete, rmr. Each refuses (exit 3) while a broker is registered under
 * /brokers/ids, unless --force: an edit under a running controller is how metadata breaks.
 * {@code --version V} makes set and delete conditional (BADVERSION when it moved).
 */
final class EditCommands {
    private final ShellContext ctx;

    EditCommands(ShellContext ctx) {
        this.ctx = ctx;
    }

    int run(String cmd, List<String> args) throws Exception {
        int version = ctx.options.intValue("--version", -1);
        boolean nullData = ctx.options.flag("--null");
        switch (cmd) {
            case "create": {
                if (args.isEmpty() || args.size() > 2 || (nullData && args.size() == 2)) {
                    throw EtcdZkShell.usage("create PATH [DATA | --null] [--sequential]");
                }
                ctx.refuseLiveBrokers(ctx.etcd());
                byte[] data = nullData ? null : bytes(args.size() == 2 ? args.get(1) : "");
                CreateMode mode = ctx.options.flag("--sequential") ? CreateMode.PERSISTENT_SEQUENTIAL : CreateMode.PERSISTENT;
                String created = ctx.client().create(args.get(0), data, Acl.OPEN_ACL_UNSAFE, mode);
                ctx.out.println(ctx.json ? Znode.JSON.createObjectNode().put("created", created).toString() : created);
                return 0;
            }
            case "set": {
                if (args.size() != (nullData ? 1 : 2)) {
                    throw EtcdZkShell.usage("set PATH DATA|--null [--version V]");
                }
                ctx.refuseLiveBrokers(ctx.etcd());
                Stat s = ctx.client().setData(args.get(0), nullData ? null : bytes(args.get(1)), version);
                ctx.out.println(ctx.json ? Znode.JSON.createObjectNode().put("path", args.get(0))
                        .put("version", s.getVersion()).toString() : "version " + s.getVersion());
                return 0;
            }
            case "delete":
                if (args.size() != 1) {
                    throw EtcdZkShell.usage("delete PATH [--version V]");
                }
                ctx.refuseLiveBrokers(ctx.etcd());
                ctx.client().delete(args.get(0), version);
                return 0;
            default:
                if (args.size() != 1) {
                    throw EtcdZkShell.usage("rmr PATH");
                }
                if (args.get(0).equals("/") || ZnodePaths.isZooKeeperOwn(args.get(0))) {
                    throw new ToolException(2, "rmr " + args.get(0) + ": refusing to delete the root or /zookeeper");
                }
                ctx.refuseLiveBrokers(ctx.etcd());
                if (ctx.client().exists(args.get(0), false) == null) {
                    throw new ToolException(1, "no node " + args.get(0));
                }
                ctx.etcd().deleteTree(args.get(0));
                return 0;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
