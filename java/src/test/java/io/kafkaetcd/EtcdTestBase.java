package io.kafkaetcd;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * One real etcd per test class (started in @BeforeAll, killed in @AfterAll),
 * clients closed after each test, and unique paths so tests never collide.
 */
abstract class EtcdTestBase {
    static EtcdServer etcd;
    private static final AtomicInteger PATHS = new AtomicInteger();
    private final List<KafkaEtcdClient> clients = new ArrayList<>();

    @BeforeAll
    static void startEtcd() throws Exception {
        etcd = EtcdServer.start();
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
            etcd = null;
        }
    }

    @AfterEach
    void closeClients() {
        for (KafkaEtcdClient c : clients) {
            c.close();
        }
        clients.clear();
    }

    static ClientConfig config() {
        return new ClientConfig().sessionTimeoutMs(6_000).connectTimeoutMs(10_000).requestTimeoutMs(5_000);
    }

    KafkaEtcdClient open() throws KeeperException {
        return open(null);
    }

    KafkaEtcdClient open(Watcher watcher) throws KeeperException {
        return open(config(), watcher);
    }

    KafkaEtcdClient open(ClientConfig config, Watcher watcher) throws KeeperException {
        KafkaEtcdClient c = KafkaEtcdClient.open(etcd.endpoint(), config, watcher);
        clients.add(c);
        return c;
    }

    /** A fresh top-level path, "/<prefix>-<n>". */
    static String unique(String prefix) {
        return "/" + prefix + "-" + PATHS.incrementAndGet() + "-" + System.nanoTime() % 100_000;
    }
}
