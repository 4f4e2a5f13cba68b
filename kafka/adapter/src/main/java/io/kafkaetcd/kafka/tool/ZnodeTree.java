package io.kafkaetcd.kafka.tool;

import java.util.List;

/**
 * A store of znodes the tool copies from or to: kafka-etcd, a ZooKeeper ensemble. Paths are
 * relative to the store's chroot.
 */
interface ZnodeTree extends AutoCloseable {
    /** The node, or null when it does not exist. */
    Znode read(String path) throws Exception;

    /** The children's names, sorted. */
    List<String> children(String path) throws Exception;

    /**
     * Makes the node equal to {@code n} (data, ACL, versions; times where the store allows),
     * creating it when absent. Its parent exists.
     */
    void write(Znode n) throws Exception;

    /** After every child of {@code n} was written: brings its child-create counter to {@code n}'s. */
    void finishChildren(Znode n) throws Exception;

    /** Deletes a node without children; an absent node is fine. */
    void deleteLeaf(String path) throws Exception;

    /** Creates an empty persistent node with an open ACL unless it exists. */
    void createIfAbsent(String path) throws Exception;

    /** Deletes the node and everything below it (ZooKeeper's own nodes and the root stay). */
    default void deleteTree(String path) throws Exception {
        for (String c : children(path)) {
            String child = ZnodePaths.child(path, c);
            if (!ZnodePaths.isZooKeeperOwn(child)) {
                deleteTree(child);
            }
        }
        if (!path.equals("/")) {
            deleteLeaf(path);
        }
    }

    /** Creates {@code path} and its missing ancestors (a chroot before a copy into it). */
    default void createPath(String path) throws Exception {
        if (path.equals("/")) {
            return;
        }
        String p = "";
        for (String part : path.substring(1).split("/")) {
            p += "/" + part;
            createIfAbsent(p);
        }
    }

    /** Whether ctime and mtime survive {@link #write}. */
    boolean keepsTimes();

    /** For messages: what and where. */
    String describe();

    @Override
    void close();
}
