package io.kafkaetcd.kafka.tool;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

import org.apache.zookeeper.client.ZKClientConfig;

/**
 * Moving a tree between stores, brokers stopped: import-zookeeper (ZooKeeper to etcd),
 * export-zookeeper (back), verify-zookeeper (compare), dump and restore (JSON lines).
 */
final class MoveCommands {
    private final ShellContext ctx;

    MoveCommands(ShellContext ctx) {
        this.ctx = ctx;
    }

    int run(String cmd, List<String> args) throws Exception {
        if (!args.isEmpty()) {
            throw new ToolException(2, cmd + " takes no positional arguments, got " + args);
        }
        switch (cmd) {
            case "import-zookeeper": {
                String from = ctx.options.require("--from");
                try (ZooKeeperTree zk = zookeeper(from, null)) {
                    if (zk.read("/") == null) {
                        throw new ToolException(1, "ZooKeeper " + from + " has no such chroot");
                    }
                    EtcdTree.ensureChroot(ctx.connect, ctx.clientConfig());
                    return copy(zk, ctx.etcd());
                }
            }
            case "export-zookeeper": {
                try (ZooKeeperTree zk = zookeeper(ctx.options.require("--to"), ctx.etcd().read("/"))) {
                    return copy(ctx.etcd(), zk);
                }
            }
            case "verify-zookeeper": {
                try (ZooKeeperTree zk = zookeeper(ctx.options.require("--against"), null)) {
                    return verify(zk, ctx.etcd());
                }
            }
            case "dump":
                return dump(ctx.options.require("--file"));
            default:
                return restore(ctx.options.require("--file"));
        }
    }

    /** The ensemble; with {@code root}, its chroot is created first when missing, with root's data and ACL. */
    private ZooKeeperTree zookeeper(String connect, Znode root) throws Exception {
        ZKClientConfig config = ShellContext.settingsFile(ctx.options.value("--zk-config-file"));
        List<String> auth = ctx.options.all("--zk-auth");
        int timeoutMs = ctx.options.intValue("--timeout-ms", 30_000);
        if (root != null && !ctx.options.flag("--dry-run")) {
            ZooKeeperTree.ensureChroot(connect, config, auth, timeoutMs, root);
        }
        return new ZooKeeperTree(connect, config, auth, timeoutMs);
    }

    /** The checks before writing into {@code to}: no live brokers, and empty unless told. */
    private void checkTarget(ZnodeTree to) throws Exception {
        ctx.refuseLiveBrokers(to);
        boolean overwrite = ctx.options.flag("--overwrite");
        boolean resume = ctx.options.flag("--resume");
        if (overwrite && resume) {
            throw new ToolException(2, "--overwrite and --resume exclude each other");
        }
        List<String> top = new ArrayList<>();
        if (to.read("/") != null) {
            for (String c : to.children("/")) {
                if (!ZnodePaths.isZooKeeperOwn("/" + c)) {
                    top.add(c);
                }
            }
        }
        if (top.isEmpty() || resume) {
            return;
        }
        if (!overwrite) {
            throw new ToolException(3, to.describe() + " is not empty (" + String.join(", ", top)
                    + "): add --resume to continue an interrupted copy, or --overwrite to replace it");
        }
        if (!ctx.options.flag("--dry-run")) {
            ctx.err.println("--overwrite: deleting " + top + " from " + to.describe());
            to.deleteTree("/");
        }
    }

    private int copy(ZnodeTree from, ZnodeTree to) throws Exception {
        checkTarget(to);
        TreeCopy c = new TreeCopy(from, to, ctx.options.flag("--dry-run"), ctx.err);
        c.run();
        for (String e : c.ephemerals) {
            ctx.out.println("skipped ephemeral " + e);
        }
        if (ctx.options.flag("--dry-run") || ctx.options.flag("--no-verify")) {
            return 0;
        }
        return verify(from, to);
    }

    private int verify(ZnodeTree source, ZnodeTree target) throws Exception {
        TreeDiff d = new TreeDiff(source, target);
        List<String> diffs = d.run();
        for (String line : diffs) {
            ctx.out.println("DIFFERENT " + line);
        }
        ctx.err.println("verified " + d.compared + " nodes of " + source.describe() + " against " + target.describe()
                + ": " + diffs.size() + " differences");
        return diffs.isEmpty() ? 0 : 1;
    }

    private int dump(String file) throws Exception {
        EtcdTree etcd = ctx.etcd();
        long[] n = new long[1];
        try (Writer w = file.equals("-") ? new OutputStreamWriter(ctx.out, StandardCharsets.UTF_8)
                : Files.newBufferedWriter(Paths.get(file), StandardCharsets.UTF_8)) {
            BufferedWriter out = new BufferedWriter(w);
            dumpNode(etcd, "/", out, n);
            out.flush();
        }
        ctx.err.println("dumped " + n[0] + " nodes");
        return 0;
    }

    private void dumpNode(EtcdTree etcd, String path, BufferedWriter out, long[] n) throws Exception {
        Znode z = etcd.read(path);
        if (z == null) {
            return;
        }
        out.write(z.toJson().toString());
        out.write('\n');
        n[0]++;
        for (String c : etcd.children(path)) {
            String child = ZnodePaths.child(path, c);
            if (!ZnodePaths.isZooKeeperOwn(child)) {
                dumpNode(etcd, child, out, n);
            }
        }
    }

    /** Writes the dump's nodes in file order (a dump lists parents first); ephemerals skipped. */
    private int restore(String file) throws Exception {
        EtcdTree etcd = ctx.etcd();
        checkTarget(etcd);
        long written = 0;
        long skipped = 0;
        try (BufferedReader r = file.equals("-") ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Paths.get(file), StandardCharsets.UTF_8)) {
            String line;
            int no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.trim().isEmpty()) {
                    continue;
                }
                Znode z;
                try {
                    z = Znode.fromJson(Znode.JSON.readTree(line));
                } catch (IOException | IllegalArgumentException | NullPointerException e) {
                    throw new ToolException(1, file + ":" + no + ": not a znode line: " + e.getMessage());
                }
                if (z.ephemeral()) {
                    ctx.out.println("skipped ephemeral " + z.path);
                    skipped++;
                    continue;
                }
                etcd.write(z);
                written++;
            }
        }
        ctx.err.println("restored " + written + " nodes, skipped " + skipped + " ephemerals");
        return 0;
    }
}
