package io.kafkaetcd.bench;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;

/** The official ZooKeeper Java client (async API), for Apache ZooKeeper and for zetcd. */
final class ZkBackend implements Backend {
    static final List<ACL> OPEN = ZooDefs.Ids.OPEN_ACL_UNSAFE;

    private final String connect;

    ZkBackend(String connect) {
        this.connect = connect;
    }

    static final class ZkSession extends EventQueueSession implements Watcher {
        final ZooKeeper zk;
        final CompletableFuture<Void> connected = new CompletableFuture<>();

        ZkSession(String connect, int sessionMs) throws Exception {
            super(new LinkedBlockingQueue<>());
            this.zk = new ZooKeeper(connect, sessionMs, this);
        }

        @Override
        public void process(WatchedEvent e) {
            if (e.getType() == Event.EventType.None) {
                if (e.getState() == Event.KeeperState.SyncConnected) {
                    connected.complete(null);
                }
            } else if (e.getPath() != null) {
                events.add(System.nanoTime());
            }
        }

        ZkSession awaitConnected() throws Exception {
            connected.get(30, TimeUnit.SECONDS);
            return this;
        }

        private static CreateMode mode(boolean ephemeral) {
            return ephemeral ? CreateMode.EPHEMERAL : CreateMode.PERSISTENT;
        }

        @Override
        public void create(String path, byte[] data, boolean ephemeral, Done cb) {
            zk.create(path, data, OPEN, mode(ephemeral), (rc, p, ctx, name) -> cb.done(rc), null);
        }

        @Override
        public void getData(String path, boolean watch, Done cb) {
            zk.getData(path, watch, (rc, p, ctx, data, stat) -> cb.done(rc), null);
        }

        @Override
        public void setData(String path, byte[] data, int version, Done cb) {
            zk.setData(path, data, version, (rc, p, ctx, stat) -> cb.done(rc), null);
        }

        @Override
        public void exists(String path, boolean watch, Done cb) {
            zk.exists(path, watch, (rc, p, ctx, stat) -> cb.done(rc), null);
        }

        @Override
        public void delete(String path, int version, Done cb) {
            zk.delete(path, version, (rc, p, ctx) -> cb.done(rc), null);
        }

        @Override
        public void createSync(String path, byte[] data, boolean ephemeral) throws Exception {
            zk.create(path, data, OPEN, mode(ephemeral));
        }

        @Override
        public void getDataSync(String path, boolean watch) throws Exception {
            zk.getData(path, watch, null);
        }

        @Override
        public void setDataSync(String path, byte[] data, int version) throws Exception {
            zk.setData(path, data, version);
        }

        @Override
        public void deleteSync(String path, int version) throws Exception {
            zk.delete(path, version);
        }

        @Override
        public List<String> getChildrenSync(String path, boolean watch) throws Exception {
            return zk.getChildren(path, watch);
        }

        @Override
        public long sessionId() {
            return zk.getSessionId();
        }

        @Override
        public int sessionTimeoutMs() {
            return zk.getSessionTimeout();
        }

        @Override
        public void close() throws InterruptedException {
            zk.close();
        }
    }

    @Override
    public Session open(int sessionMs) throws Exception {
        return new ZkSession(connect, sessionMs).awaitConnected();
    }

    @Override
    public String codeName(int rc) {
        return String.valueOf(KeeperException.Code.get(rc));
    }

    @Override
    public String vanishHow() {
        return "socket dropped, no closeSession";
    }

    /**
     * ZooKeeper has no server-side "revoke a session": a dead broker is noticed
     * by expiry. injectSessionExpiration() drops the client's socket without a
     * closeSession request (what a killed process does), so the server expires
     * the session after its timeout and deletes the ephemeral.
     */
    @Override
    public Doomed doomed(String path, byte[] data, int sessionMs) throws Exception {
        ZkSession s = (ZkSession) open(sessionMs);
        s.createSync(path, data, true);
        return () -> s.zk.getTestable().injectSessionExpiration();
    }
}
