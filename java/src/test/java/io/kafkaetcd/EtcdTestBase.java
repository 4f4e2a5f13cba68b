package io.kafkaetcd;

import java.util.concurrent.atomic.AtomicInteger;


/** Unique paths so tests never collide; clients closed after each test. */
abstract class EtcdTestBase extends EtcdPerClass {
    private static final AtomicInteger PATHS = new AtomicInteger();

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
        closeAfterTest(c, KafkaEtcdClient::close);
        return c;
    }

    /** A fresh top-level path, "/<prefix>-<n>". */
    static String unique(String prefix) {
        return "/" + prefix + "-" + PATHS.incrementAndGet() + "-" + System.nanoTime() % 100_000;
    }
}
