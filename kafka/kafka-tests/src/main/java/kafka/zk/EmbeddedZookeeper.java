package kafka.zk;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;

import org.apache.kafka.test.TestUtils;
import org.apache.zookeeper.server.NIOServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;

import com.typesafe.scalalogging.Logger;

import io.kafkaetcd.EtcdServer;
import kafka.utils.Logging;

/**
 * Stands in for Kafka's test class {@code kafka.zk.EmbeddedZookeeper} (same binary
 * name and public members) when it comes first on the classpath: instead of a
 * ZooKeeper server it starts a throwaway single-member etcd on a loopback port
 * ({@link EtcdServer}, the binary {@code $KAFKA_ETCD_ETCD_BIN}). Kafka's tests
 * read {@link #port()} and connect their {@code ZooKeeperClient} to
 * {@code 127.0.0.1:port}, which is then our adapter on etcd.
 *
 * <p>Kafka's tests use only {@code port}, {@code shutdown} and {@code tickTime}.
 * The ZooKeeper server objects do not exist here: {@link #zookeeper()} and
 * {@link #factory()} throw.
 */
public class EmbeddedZookeeper implements Closeable, Logging {
    private final File snapshotDir = TestUtils.tempDirectory("zookeeper-snapshot");
    private final File logDir = TestUtils.tempDirectory("zookeeper-log");
    private final EtcdServer etcd;
    private final int port;
    private Logger logger;
    private String logIdent;

    public EmbeddedZookeeper() {
        try {
            etcd = EtcdServer.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start etcd", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting etcd", e);
        }
        String endpoint = etcd.endpoint();
        port = Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
    }

    public File snapshotDir() {
        return snapshotDir;
    }

    public File logDir() {
        return logDir;
    }

    /** Kafka's value; only LeaderElectionTest reads it (to size a wait). */
    public int tickTime() {
        return 800;
    }

    public ZooKeeperServer zookeeper() {
        throw new UnsupportedOperationException("kafka-etcd: this EmbeddedZookeeper runs etcd, not a ZooKeeper server");
    }

    public NIOServerCnxnFactory factory() {
        throw new UnsupportedOperationException("kafka-etcd: this EmbeddedZookeeper runs etcd, not a ZooKeeper server");
    }

    /** The etcd member's client port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** Stops etcd (the store goes away, as a stopped ZooKeeper server does); idempotent. */
    public void shutdown() {
        etcd.close();
    }

    @Override
    public void close() {
        shutdown();
    }

    @Override
    public synchronized Logger logger() {
        if (logger == null) {
            logger = Logging.super.logger();
        }
        return logger;
    }

    @Override
    public String logIdent() {
        return logIdent;
    }

    @Override
    public void logIdent_$eq(String ident) {
        logIdent = ident;
    }
}
