package io.kafkaetcd.kafka.tool;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The verification pass: walks both trees together and lists every node that is missing on
 * one side or differs in what a copy keeps (data, ACL, versions, the next sequential suffix,
 * and ctime/mtime when the target keeps them). The source's ephemerals are expected to be
 * missing from the target.
 */
final class TreeDiff {
    private final ZnodeTree source;
    private final ZnodeTree target;
    final List<String> differences = new ArrayList<>();
    long compared;

    TreeDiff(ZnodeTree source, ZnodeTree target) {
        this.source = source;
        this.target = target;
    }

    List<String> run() throws Exception {
        compare("/");
        return differences;
    }

    private void compare(String path) throws Exception {
        Znode s = source.read(path);
        Znode t = target.read(path);
        compared++;
        if (s != null && s.ephemeral()) {
            if (t != null) {
                differences.add(path + ": ephemeral in the source, present in the target");
            }
            return;
        }
        if (s == null || t == null) {
            differences.add(path + ": only in the " + (s == null ? "target " + target.describe()
                    : "source " + source.describe()));
            return;
        }
        String d = s.differences(t, target.keepsTimes());
        if (d != null) {
            differences.add(path + ": " + d);
        }
        TreeSet<String> names = new TreeSet<>(source.children(path));
        names.addAll(target.children(path));
        for (String c : names) {
            String child = ZnodePaths.child(path, c);
            if (!ZnodePaths.isZooKeeperOwn(child)) {
                compare(child);
            }
        }
    }
}
