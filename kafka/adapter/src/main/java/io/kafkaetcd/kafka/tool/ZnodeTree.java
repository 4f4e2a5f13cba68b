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

    /** Deletes the node and everything below it. */
    void deleteTree(String path) throws Exception;

    /** Whether ctime and mtime survive {@link #write}. */
    boolean keepsTimes();

    /** For messages: what and where. */
    String describe();

    @Override
    void close();
}
