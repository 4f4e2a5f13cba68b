package io.kafkaetcd.kafka.tool;

import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;

/** A real ZooKeeper 3.8 server in this JVM on 127.0.0.1 (its jar is Kafka's), with its data in a temp dir. */
final class ZooKeeperServerForTest implements AutoCloseable {
    private final ServerCnxnFactory factory;
    private final ZooKeeperServer server;
    private final File dir;

    ZooKeeperServerForTest() throws Exception {
        dir = Files.createTempDirectory("zk-test").toFile();
        server = new ZooKeeperServer(dir, dir, 1000);
        factory = ServerCnxnFactory.createFactory(new InetSocketAddress("127.0.0.1", 0), 100);
        factory.startup(server);
    }

    String connect() {
        return "127.0.0.1:" + factory.getLocalPort();
    }

    /** A connected client on {@code connect() + chroot}. */
    ZooKeeper client(String chroot) throws Exception {
        CountDownLatch up = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(connect() + chroot, 30_000, e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                up.countDown();
            }
        });
        if (!up.await(20, TimeUnit.SECONDS)) {
            zk.close();
            throw new IllegalStateException("ZooKeeper test server did not answer");
        }
        return zk;
    }

    @Override
    public void close() {
        factory.shutdown();
        server.shutdown();
        deleteAll(dir);
    }

    private static void deleteAll(File f) {
        File[] kids = f.listFiles();
        if (kids != null) {
            for (File k : kids) {
                deleteAll(k);
            }
        }
        f.delete();
    }
}
