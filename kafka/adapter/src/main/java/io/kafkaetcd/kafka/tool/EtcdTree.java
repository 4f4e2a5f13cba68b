package io.kafkaetcd.kafka.tool;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.kafkaetcd.ClientConfig;
import io.kafkaetcd.CreateMode;
import io.kafkaetcd.KafkaEtcdClient;
import io.kafkaetcd.KeeperException;
import io.kafkaetcd.Stat;

/** The kafka-etcd store, through the Java API; writes keep every counter and both times. */
final class EtcdTree implements ZnodeTree {
    private final String connect;
    private final KafkaEtcdClient client;

    EtcdTree(String connect, ClientConfig config) throws KeeperException {
        this.connect = connect;
        this.client = KafkaEtcdClient.open(connect, config, null);
    }

    KafkaEtcdClient client() {
        return client;
    }

    @Override
    public Znode read(String path) throws Exception {
        Stat s = new Stat();
        byte[] data;
        try {
            data = client.getData(path, false, s);
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
        Stat as = new Stat();
        List<io.kafkaetcd.Acl> acl = client.getACL(path, as);
        return new Znode(path, data, acl, s.getCtime(), s.getMtime(), s.getVersion(), s.getCversion(),
                as.getAversion(), s.getNumChildren(), s.getEphemeralOwner());
    }

    @Override
    public List<String> children(String path) throws Exception {
        List<String> c = new ArrayList<>(client.getChildren(path, false));
        Collections.sort(c);
        return c;
    }

    @Override
    public void write(Znode n) throws Exception {
        client.restoreNode(n.toRestore());
    }

    @Override
    public void finishChildren(Znode n) {
        // write() already set the counter: restoring a child does not move it.
    }

    @Override
    public void deleteLeaf(String path) throws Exception {
        try {
            client.delete(path, -1);
        } catch (KeeperException.NoNodeException e) {
            // gone already
        }
    }

    @Override
    public void createIfAbsent(String path) throws Exception {
        try {
            client.create(path, new byte[0], io.kafkaetcd.Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        } catch (KeeperException.NodeExistsException e) {
            // there already
        }
    }

    @Override
    public boolean keepsTimes() {
        return true;
    }

    /** Creates the chroot's missing ancestors (and itself) through a client without chroot. */
    static void ensureChroot(String connect, ClientConfig config) throws Exception {
        String chroot = ZnodePaths.chroot(connect);
        if (chroot == null) {
            return;
        }
        try (EtcdTree base = new EtcdTree(ZnodePaths.withoutChroot(connect), config)) {
            base.createPath(chroot);
        }
    }

    @Override
    public String describe() {
        return "etcd " + connect;
    }

    @Override
    public void close() {
        client.close();
    }
}
