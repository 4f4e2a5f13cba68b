package io.kafkaetcd.kafka.tool;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.data.Stat;

import io.kafkaetcd.Acl;

/**
 * A ZooKeeper ensemble through ZooKeeper's own client. ZooKeeper cannot be told a version or a
 * counter, so {@link #write} reaches them the only way it has: extra {@code setData}s of the
 * same data and create/delete pairs of a scratch child, batched in multis. ctime and mtime
 * become the server's clock (not kept).
 */
final class ZooKeeperTree implements ZnodeTree {
    /** The scratch child whose create/delete pairs advance a parent's child-create counter. */
    static final String PAD = "kafka-etcd-counter-pad";
    private static final int MULTI_BYTES = 512 * 1024;

    private final String connect;
    private final ZooKeeper zk;

    ZooKeeperTree(String connect, ZKClientConfig config, List<String> auth, int timeoutMs) throws Exception {
        this.connect = connect;
        CountDownLatch connected = new CountDownLatch(1);
        Watcher w = e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        };
        zk = config == null ? new ZooKeeper(connect, timeoutMs, w) : new ZooKeeper(connect, timeoutMs, w, config);
        if (!connected.await(timeoutMs, TimeUnit.MILLISECONDS)) {
            zk.close();
            throw new ToolException(1, "cannot connect to ZooKeeper " + connect + " within " + timeoutMs + " ms");
        }
        for (String a : auth) {
            int i = a.indexOf(':');
            if (i <= 0) {
                zk.close();
                throw new ToolException(2, "--zk-auth wants SCHEME:CREDENTIAL (e.g. digest:user:password)");
            }
            zk.addAuthInfo(a.substring(0, i), a.substring(i + 1).getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Creates the chroot's missing ancestors (empty, open ACL), and the chroot itself with
     * {@code root}'s data and ACL: once created with other data it could only get it with a
     * setData, and version 1 where the source says 0.
     */
    static void ensureChroot(String connect, ZKClientConfig config, List<String> auth, int timeoutMs, Znode root)
            throws Exception {
        String chroot = ZnodePaths.chroot(connect);
        if (chroot == null) {
            return;
        }
        try (ZooKeeperTree base = new ZooKeeperTree(ZnodePaths.withoutChroot(connect), config, auth, timeoutMs)) {
            base.createPath(ZnodePaths.parent(chroot));
            try {
                base.zk.create(chroot, root.data, toZk(root.acl), CreateMode.PERSISTENT);
            } catch (KeeperException.NodeExistsException e) {
                // there already: write("/") makes it equal, or says why it cannot
            }
        }
    }

    @Override
    public Znode read(String path) throws Exception {
        Stat s = new Stat();
        byte[] data;
        List<ACL> acl;
        try {
            data = zk.getData(path, false, s);
            acl = zk.getACL(path, new Stat());
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
        return new Znode(path, data, fromZk(acl), s.getCtime(), s.getMtime(), s.getVersion(), s.getCversion(),
                s.getAversion(), s.getNumChildren(), s.getEphemeralOwner());
    }

    @Override
    public List<String> children(String path) throws Exception {
        List<String> c = new ArrayList<>(zk.getChildren(path, false));
        Collections.sort(c);
        return c;
    }

    @Override
    public void write(Znode n) throws Exception {
        List<ACL> acl = toZk(n.acl);
        Stat s = zk.exists(n.path, false);
        if (s == null) {
            s = new Stat();
            zk.create(n.path, n.data, acl, CreateMode.PERSISTENT, s);
        } else {
            if (!Arrays.equals(zk.getData(n.path, false, null), n.data)) {
                s = zk.setData(n.path, n.data, s.getVersion());
            }
            List<ACL> now = zk.getACL(n.path, s);
            if (!new HashSet<>(now).equals(new HashSet<>(acl))) {
                s = zk.setACL(n.path, acl, s.getAversion());
            }
        }
        if (s.getVersion() > n.version || s.getAversion() > n.aversion) {
            throw new ToolException(1, n.path + ": the target's version " + s.getVersion() + "/aversion "
                    + s.getAversion() + " is already past the source's " + n.version + "/" + n.aversion
                    + " (ZooKeeper counters cannot go back; export into a fresh ensemble or chroot)");
        }
        bumpVersion(n, n.version - s.getVersion());
        for (int a = s.getAversion(); a < n.aversion; a++) {
            zk.setACL(n.path, acl, a);
        }
    }

    /** {@code times} more setData of the same data, in multis of at most ~512 KiB. */
    private void bumpVersion(Znode n, int times) throws Exception {
        int per = Math.max(1, Math.min(1000, MULTI_BYTES / ((n.data == null ? 0 : n.data.length) + 64)));
        while (times > 0) {
            int k = Math.min(per, times);
            List<Op> ops = new ArrayList<>(k);
            for (int i = 0; i < k; i++) {
                ops.add(Op.setData(n.path, n.data, -1));
            }
            zk.multi(ops);
            times -= k;
        }
    }

    @Override
    public void finishChildren(Znode n) throws Exception {
        Stat s = zk.exists(n.path, false);
        long creates = ((long) s.getCversion() + s.getNumChildren()) / 2;
        long missing = n.childCreates() - creates;
        if (missing < 0) {
            throw new ToolException(1, n.path + ": the target's child-create counter " + creates
                    + " is already past the source's " + n.childCreates());
        }
        String pad = ZnodePaths.child(n.path, PAD);
        while (missing > 0) {
            int k = (int) Math.min(500, missing);
            List<Op> ops = new ArrayList<>(2 * k);
            for (int i = 0; i < k; i++) {
                ops.add(Op.create(pad, null, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
                ops.add(Op.delete(pad, -1));
            }
            try {
                zk.multi(ops);
            } catch (KeeperException.NoAuthException e) {
                throw new ToolException(1, n.path + ": no CREATE permission to advance its sequential counter; "
                        + "authenticate as the ACL's owner (--zk-auth, or SASL through --zk-config-file)");
            }
            missing -= k;
        }
    }

    @Override
    public void deleteLeaf(String path) throws Exception {
        try {
            zk.delete(path, -1);
        } catch (KeeperException.NoNodeException e) {
            // gone already
        }
    }

    @Override
    public void createIfAbsent(String path) throws Exception {
        try {
            zk.create(path, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        } catch (KeeperException.NodeExistsException e) {
            // there already
        }
    }

    @Override
    public boolean keepsTimes() {
        return false;
    }

    static List<Acl> fromZk(List<ACL> acl) {
        List<Acl> out = new ArrayList<>(acl.size());
        for (ACL a : acl) {
            out.add(new Acl(a.getPerms(), a.getId().getScheme(), a.getId().getId()));
        }
        return out;
    }

    static List<ACL> toZk(List<Acl> acl) {
        List<ACL> out = new ArrayList<>(acl.size());
        for (Acl a : acl) {
            out.add(new ACL(a.getPerms(), new Id(a.getScheme(), a.getId())));
        }
        return out;
    }

    @Override
    public String describe() {
        return "ZooKeeper " + connect;
    }

    @Override
    public void close() {
        try {
            zk.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
