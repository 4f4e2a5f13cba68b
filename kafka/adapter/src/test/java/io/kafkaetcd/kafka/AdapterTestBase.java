package io.kafkaetcd.kafka;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kafkaetcd.EtcdPerClass;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.apache.kafka.common.utils.Time;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;

import kafka.zookeeper.AsyncRequest;
import kafka.zookeeper.AsyncResponse;
import kafka.zookeeper.CreateRequest;
import kafka.zookeeper.ZooKeeperClient;
import scala.Option;
import scala.collection.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * One real etcd per test class (EtcdPerClass); our ZooKeeperClient built exactly as Kafka
 * builds it (the 9-argument constructor), closed after each test. Each client
 * gets its own metric type so that parallel clients never share meters.
 */
abstract class AdapterTestBase extends EtcdPerClass {
    private static final AtomicInteger IDS = new AtomicInteger();

    ZooKeeperClient client() {
        return client(10);
    }

    ZooKeeperClient client(int maxInFlight) {
        return client(etcd.endpoint(), maxInFlight, new ZKClientConfig(), "SessionExpireListener" + IDS.incrementAndGet());
    }

    ZooKeeperClient client(String connect, int maxInFlight, ZKClientConfig config, String metricType) {
        ZooKeeperClient c = new ZooKeeperClient(connect, 6000, 10_000, maxInFlight, Time.SYSTEM,
                "kafka.server", metricType, config, "test client");
        closeAfterTest(c, ZooKeeperClient::close);
        return c;
    }

    /** A fresh top-level path. */
    static String unique(String prefix) {
        return "/" + prefix + "-" + IDS.incrementAndGet() + "-" + System.nanoTime() % 100_000;
    }

    static final Seq<ACL> OPEN = CollectionConverters.asScala(new ArrayList<>(ZooDefs.Ids.OPEN_ACL_UNSAFE));

    static CreateRequest create(String path, byte[] data, CreateMode mode) {
        return new CreateRequest(path, data, OPEN, mode, Option.empty());
    }

    @SafeVarargs
    @SuppressWarnings("varargs") // items only read, never stored as T[]
    static <T> Seq<T> seq(T... items) {
        List<T> list = new ArrayList<>();
        Collections.addAll(list, items);
        return CollectionConverters.asScala(list);
    }

    static List<AsyncResponse> run(ZooKeeperClient c, AsyncRequest... requests) {
        return run(c, Arrays.asList(requests));
    }

    static List<AsyncResponse> run(ZooKeeperClient c, List<? extends AsyncRequest> requests) {
        Seq<AsyncRequest> in = CollectionConverters.asScala(new ArrayList<AsyncRequest>(requests));
        return new ArrayList<>(CollectionConverters.asJava(c.handleRequests(in)));
    }

    static void await(String what, long millis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out after " + millis + " ms waiting for " + what);
            Thread.sleep(20);
        }
    }
}
