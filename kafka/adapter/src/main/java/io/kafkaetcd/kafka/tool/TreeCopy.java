package io.kafkaetcd.kafka.tool;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Copies a tree node by node, parents first, children in name order; after a node's children,
 * its child-create counter. A node already equal in the target is left alone, so running the
 * copy again after an interruption resumes it. Ephemeral nodes are skipped (their sessions
 * are gone once the brokers are stopped) and reported; ZooKeeper's own {@code /zookeeper} is
 * never copied.
 */
final class TreeCopy {
    private final ZnodeTree from;
    private final ZnodeTree to;
    private final boolean dryRun;
    private final PrintStream progress;
    private final long started = System.nanoTime();
    private long lastReport = started;

    long written;
    long unchanged;
    final List<String> ephemerals = new ArrayList<>();

    TreeCopy(ZnodeTree from, ZnodeTree to, boolean dryRun, PrintStream progress) {
        this.from = from;
        this.to = to;
        this.dryRun = dryRun;
        this.progress = progress;
    }

    void run() throws Exception {
        copy("/");
        report(true);
    }

    private void copy(String path) throws Exception {
        Znode n = from.read(path);
        if (n == null) {
            return; // deleted while we walked: the source is not quiet, the verification will tell
        }
        if (n.ephemeral()) {
            ephemerals.add(path + " (session 0x" + Long.toHexString(n.ephemeralOwner) + ")");
            return;
        }
        Znode t = to.read(path);
        if (t != null && n.differences(t, to.keepsTimes()) == null) {
            unchanged++;
        } else {
            if (!dryRun) {
                to.write(n);
            }
            written++;
        }
        report(false);
        for (String c : from.children(path)) {
            String child = ZnodePaths.child(path, c);
            if (!ZnodePaths.isZooKeeperOwn(child)) {
                copy(child);
            }
        }
        if (!dryRun) {
            to.finishChildren(n);
        }
    }

    private void report(boolean last) {
        long now = System.nanoTime();
        if (!last && now - lastReport < 1_000_000_000L) {
            return;
        }
        lastReport = now;
        double secs = Math.max(1e-3, (now - started) / 1e9);
        progress.printf(Locale.ROOT, "%s%d nodes %s, %d unchanged, %d ephemerals skipped, %.0f nodes/s, %.1f s%n",
                dryRun ? "dry run: " : "", written, dryRun ? "to write" : "written", unchanged, ephemerals.size(),
                (written + unchanged) / secs, secs);
    }
}
