package io.kafkaetcd.kafka.tool;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.kafkaetcd.KafkaEtcdClient;
import io.kafkaetcd.KeeperException;
import io.kafkaetcd.Stat;
import io.kafkaetcd.WatchedEvent;

/** ls, get, stat, tree, watch, sessions: reading only. */
final class InspectCommands {
    private final ShellContext ctx;

    InspectCommands(ShellContext ctx) {
        this.ctx = ctx;
    }

    int run(String cmd, List<String> args) throws Exception {
        switch (cmd) {
            case "ls":
                return ls(one(args, "ls PATH"));
            case "get":
                return get(one(args, "get PATH"));
            case "stat":
                return stat(one(args, "stat PATH"));
            case "tree":
                if (args.size() > 1) {
                    throw EtcdZkShell.usage("tree [PATH]");
                }
                return tree(args.isEmpty() ? "/" : args.get(0));
            case "watch":
                return watch(one(args, "watch PATH [--children] [--count N]"));
            default:
                if (!args.isEmpty()) {
                    throw EtcdZkShell.usage("sessions");
                }
                return sessions();
        }
    }

    static String one(List<String> args, String usage) throws ToolException {
        if (args.size() != 1) {
            throw EtcdZkShell.usage(usage);
        }
        return args.get(0);
    }

    private int ls(String path) throws Exception {
        List<String> children = ctx.etcd().children(path);
        if (ctx.json) {
            ObjectNode o = Znode.JSON.createObjectNode().put("path", path);
            ArrayNode a = o.putArray("children");
            children.forEach(a::add);
            ctx.out.println(o);
        } else {
            children.forEach(ctx.out::println);
        }
        return 0;
    }

    private int get(String path) throws Exception {
        Znode n = existing(path);
        if (ctx.json) {
            ctx.out.println(n.toJson());
        } else {
            ctx.out.println(n.data == null ? "(null)" : text(n.data));
            ctx.out.println("acl: " + n.acl);
        }
        return 0;
    }

    private Znode existing(String path) throws Exception {
        Znode n = ctx.etcd().read(path);
        if (n == null) {
            throw new ToolException(1, "no node " + path);
        }
        return n;
    }

    /** UTF-8 text when the bytes are valid UTF-8, else "base64:..." (binary data stays readable). */
    static String text(byte[] data) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            return "base64:" + java.util.Base64.getEncoder().encodeToString(data);
        }
    }

    private int stat(String path) throws Exception {
        Stat s = ctx.client().exists(path, false);
        if (s == null) {
            throw new ToolException(1, "no node " + path);
        }
        if (ctx.json) {
            ctx.out.println(Znode.JSON.createObjectNode().put("path", path).put("czxid", s.getCzxid())
                    .put("mzxid", s.getMzxid()).put("ctime", s.getCtime()).put("mtime", s.getMtime())
                    .put("version", s.getVersion()).put("cversion", s.getCversion()).put("aversion", s.getAversion())
                    .put("ephemeralOwner", s.getEphemeralOwner()).put("dataLength", s.getDataLength())
                    .put("numChildren", s.getNumChildren()).put("pzxid", s.getPzxid()));
        } else {
            ctx.out.printf("czxid = %d%nmzxid = %d%nctime = %d%nmtime = %d%nversion = %d%ncversion = %d%n"
                    + "aversion = %d%nephemeralOwner = 0x%x%ndataLength = %d%nnumChildren = %d%npzxid = %d%n",
                    s.getCzxid(), s.getMzxid(), s.getCtime(), s.getMtime(), s.getVersion(), s.getCversion(),
                    s.getAversion(), s.getEphemeralOwner(), s.getDataLength(), s.getNumChildren(), s.getPzxid());
        }
        return 0;
    }

    /** Sizes and counts of a subtree: what each node holds below it. */
    private static final class Totals {
        long nodes;
        long bytes;
        long ephemerals;
    }

    private int tree(String path) throws Exception {
        existing(path);
        ArrayNode lines = Znode.JSON.createArrayNode();
        Totals all = walk(path, 0, lines);
        if (ctx.json) {
            ObjectNode o = Znode.JSON.createObjectNode().put("path", path).put("nodes", all.nodes)
                    .put("dataBytes", all.bytes).put("ephemerals", all.ephemerals);
            o.set("tree", lines);
            ctx.out.println(o);
        } else {
            for (com.fasterxml.jackson.databind.JsonNode l : lines) {
                ctx.out.printf("%s%s  (%d nodes, %d bytes)%n", "  ".repeat(l.get("depth").asInt()),
                        l.get("name").asText(), l.get("nodes").asLong(), l.get("dataBytes").asLong());
            }
            ctx.out.printf("total: %d nodes, %d bytes of data, %d ephemeral%n", all.nodes, all.bytes, all.ephemerals);
        }
        return 0;
    }

    private Totals walk(String path, int depth, ArrayNode lines) throws Exception {
        Stat s = ctx.client().exists(path, false);
        Totals t = new Totals();
        if (s == null) {
            return t; // deleted meanwhile
        }
        ObjectNode line = lines.addObject().put("path", path).put("depth", depth)
                .put("name", depth == 0 ? path : path.substring(path.lastIndexOf('/') + 1));
        t.nodes = 1;
        t.bytes = s.getDataLength();
        t.ephemerals = s.getEphemeralOwner() != 0 ? 1 : 0;
        for (String c : ctx.etcd().children(path)) {
            Totals ct = walk(ZnodePaths.child(path, c), depth + 1, lines);
            t.nodes += ct.nodes;
            t.bytes += ct.bytes;
            t.ephemerals += ct.ephemerals;
        }
        line.put("nodes", t.nodes).put("dataBytes", t.bytes);
        return t;
    }

    /** Prints the node's (and with --children its children's) changes, re-arming after each. */
    private int watch(String path) throws Exception {
        int count = ctx.options.intValue("--count", Integer.MAX_VALUE);
        boolean children = ctx.options.flag("--children");
        BlockingQueue<WatchedEvent> events = new LinkedBlockingQueue<>();
        try (KafkaEtcdClient c = KafkaEtcdClient.open(ctx.connect, ctx.clientConfig(), events::add)) {
            arm(c, path, children);
            ctx.err.println("watching " + path + (children ? " and its children" : ""));
            for (int seen = 0; seen < count; ) {
                WatchedEvent e = events.take();
                if (e.getPath() == null) {
                    ctx.err.println("session " + e.getState());
                    if (e.getState() == io.kafkaetcd.KeeperState.Expired) {
                        return 1;
                    }
                    continue;
                }
                seen++;
                if (ctx.json) {
                    ctx.out.println(Znode.JSON.createObjectNode().put("type", e.getType().toString())
                            .put("path", e.getPath()));
                } else {
                    ctx.out.println(e.getType() + " " + e.getPath());
                }
                ctx.out.flush();
                arm(c, path, children);
            }
        }
        return 0;
    }

    private static void arm(KafkaEtcdClient c, String path, boolean children) throws Exception {
        if (c.exists(path, true) != null && children) {
            try {
                c.getChildren(path, true);
            } catch (KeeperException.NoNodeException e) {
                // deleted meanwhile: the exists watch reports it
            }
        }
    }

    /** Live sessions (etcd leases) that own ephemeral nodes, and those nodes. */
    private int sessions() throws Exception {
        Map<Long, List<String>> owners = new TreeMap<>();
        collect("/", owners);
        if (ctx.json) {
            ArrayNode a = Znode.JSON.createArrayNode();
            owners.forEach((id, paths) -> {
                ArrayNode p = a.addObject().put("session", "0x" + Long.toHexString(id)).putArray("ephemerals");
                paths.forEach(p::add);
            });
            ctx.out.println(a);
        } else {
            owners.forEach((id, paths) -> ctx.out.println("0x" + Long.toHexString(id) + " " + String.join(" ", paths)));
            ctx.out.println(owners.size() + " sessions own ephemeral nodes");
        }
        return 0;
    }

    private void collect(String path, Map<Long, List<String>> owners) throws Exception {
        Stat s = ctx.client().exists(path, false);
        if (s == null) {
            return;
        }
        if (s.getEphemeralOwner() != 0) {
            owners.computeIfAbsent(s.getEphemeralOwner(), k -> new java.util.ArrayList<>()).add(path);
            return;
        }
        for (String c : ctx.etcd().children(path)) {
            collect(ZnodePaths.child(path, c), owners);
        }
    }
}
