package io.kafkaetcd;

import java.util.List;

/**
 * A znode as copied from another store, counters included, for
 * {@link KafkaEtcdClient#restoreNode}: what an import from ZooKeeper or a
 * restore from a dump writes. Not a ZooKeeper operation: Kafka fences on
 * versions, so a copied node must keep its data version, ACL version and
 * child-create counter (the next sequential suffix) instead of starting at 0.
 */
public final class RestoreNode {
    public final String path;
    public final byte[] data;
    public final List<Acl> acl;
    public final long ctime;
    public final long mtime;
    public final int version;
    public final int aversion;
    /** Children ever created under the node: ZooKeeper's {@code (cversion + numChildren) / 2}. */
    public final long childCreates;

    public RestoreNode(String path, byte[] data, List<Acl> acl, long ctime, long mtime, int version, int aversion,
            long childCreates) {
        this.path = Request.checkPath(path);
        this.data = data;
        this.acl = acl;
        this.ctime = ctime;
        this.mtime = mtime;
        this.version = version;
        this.aversion = aversion;
        this.childCreates = childCreates;
    }

    /** The child-create counter ZooKeeper keeps, from the Stat it reports. */
    public static long childCreates(Stat zkStat) {
        return ((long) zkStat.getCversion() + zkStat.getNumChildren()) / 2;
    }
}
