package io.kafkaetcd.kafka;

import static org.junit.jupiter.api.Assertions.*;

import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.metrics.KafkaYammerMetrics;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

import com.yammer.metrics.core.Gauge;
import com.yammer.metrics.core.Meter;
import com.yammer.metrics.core.Metric;
import com.yammer.metrics.core.MetricName;

import kafka.zookeeper.ExistsRequest;
import kafka.zookeeper.ExistsResponse;
import kafka.zookeeper.GetDataRequest;
import kafka.zookeeper.GetDataResponse;
import kafka.zookeeper.StateChangeHandler;
import kafka.zookeeper.ZooKeeperClient;
import kafka.zookeeper.ZooKeeperClientException;
import kafka.zookeeper.ZooKeeperClientExpiredException;
import kafka.zookeeper.ZooKeeperClientTimeoutException;
import scala.Option;

/** Sessions: expiry through a real lease revoke, re-initialization, timeouts, metrics, close. */
class SessionTest extends AdapterTestBase {
    private static final Option<Object> NONE = Option.empty();

    /**
     * What a broker does in its state handler: before a new session nothing,
     * after it re-register its ephemeral node (KafkaServer re-registers /brokers/ids/N).
     */
    static final class Reregistering implements StateChangeHandler {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final BlockingQueue<Long> newSessions = new LinkedBlockingQueue<>();
        final String ephemeral;
        volatile ZooKeeperClient client;

        Reregistering(String ephemeral) {
            this.ephemeral = ephemeral;
        }

        @Override public String name() { return "reregistering"; }

        @Override public void beforeInitializingSession() {
            calls.add("before");
        }

        @Override public void afterInitializingSession() {
            calls.add("after");
            Code code = client.handleRequest(create(ephemeral, null, CreateMode.EPHEMERAL)).resultCode();
            calls.add("create " + code);
            newSessions.add(client.sessionId());
        }
    }

    @Test
    void anExpiredSessionIsReplacedBetweenTheStateCallbacks() throws Exception {
        ZooKeeperClient c = client(etcd.endpoint(), 10, new ZKClientConfig(), "SessionExpireListenerExpiry");
        ZooKeeperClient observer = client();
        String p = unique("expiry");
        Reregistering h = new Reregistering(p);
        h.client = c;
        c.registerStateChangeHandler(h);
        assertEquals(Code.OK, c.handleRequest(create(p, null, CreateMode.EPHEMERAL)).resultCode());
        long oldSession = c.sessionId();
        Meter expires = (Meter) metrics("SessionExpireListenerExpiry").get("ZooKeeperExpiresPerSec");
        assertEquals(0, expires.count());

        etcd.revokeLease(oldSession); // the server ends the session, as a lease expiry would

        Long newSession = h.newSessions.poll(20, TimeUnit.SECONDS);
        assertNotNull(newSession, "no new session within 20 s; calls: " + h.calls);
        assertNotEquals(oldSession, newSession.longValue());
        assertEquals(List.of("before", "after", "create OK"), h.calls);
        assertEquals(ZooKeeper.States.CONNECTED, c.connectionState());
        Stat stat = ((ExistsResponse) observer.handleRequest(new ExistsRequest(p, NONE))).stat();
        assertEquals(newSession.longValue(), stat.getEphemeralOwner(), "re-registered under the new session");
        assertEquals(1, expires.count());
        c.waitUntilConnected();
    }

    @Test
    void forceReinitializeRunsTheCallbacksAroundANewSession() throws Exception {
        ZooKeeperClient c = client();
        String p = unique("force");
        Reregistering h = new Reregistering(p);
        h.client = c;
        c.registerStateChangeHandler(h);
        long old = c.sessionId();
        c.forceReinitialize();
        assertEquals(List.of("before", "after", "create OK"), h.calls);
        assertNotEquals(old, c.sessionId());
        c.unregisterStateChangeHandler(h.name());
        c.forceReinitialize();
        assertEquals(3, h.calls.size(), "unregistered handlers are not called");
    }

    @Test
    void constructorTimesOutWhenEtcdIsUnreachable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        long t0 = System.nanoTime();
        assertThrows(ZooKeeperClientTimeoutException.class, () -> new ZooKeeperClient("127.0.0.1:" + port, 6000, 1500,
                10, Time.SYSTEM, "kafka.server", "SessionExpireListenerUnreachable", new ZKClientConfig(), "unreachable"));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms < 10_000, "bounded by the connection timeout, took " + ms + " ms");
        assertTrue(metrics("SessionExpireListenerUnreachable").isEmpty(), "a failed constructor removes its metrics");
    }

    /**
     * A metadata store of a key layout this build does not read (its layout
     * version key says 99: a newer kafka-etcd wrote it) stops the broker at
     * startup with the reason, not after a connection timeout.
     */
    @Test
    void constructorRefusesAStoreOfANewerLayout() throws Exception {
        String ns = "adapter-layout-" + System.nanoTime() % 100_000;
        etcd.putRaw(ns + "/L", "99".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        ZKClientConfig config = new ZKClientConfig();
        config.setProperty("kafkaetcd.namespace", ns);
        ZooKeeperClientException e = assertThrows(ZooKeeperClientException.class, () -> new ZooKeeperClient(
                etcd.endpoint(), 6000, 10_000, 10, Time.SYSTEM, "kafka.server", "SessionExpireListenerLayout", config,
                "layout"));
        assertFalse(e instanceof ZooKeeperClientTimeoutException, "not a timeout: " + e);
        for (String part : new String[] {"layout version 99", "reads layout versions 1, 2", "upgrade"}) {
            assertTrue(e.getMessage().contains(part), part + " in: " + e.getMessage());
        }
        assertTrue(metrics("SessionExpireListenerLayout").isEmpty(), "a failed constructor removes its metrics");
    }

    @Test
    void sameMetricNamesAsTheOriginalRemovedOnClose() throws Exception {
        // What a broker registers: kafka.server:type=SessionExpireListener,name=...
        ZooKeeperClient c = client(etcd.endpoint(), 10, new ZKClientConfig(), "SessionExpireListener");
        Map<String, Metric> m = metrics("SessionExpireListener");
        assertEquals(new TreeSet<>(List.of("SessionState", "ZooKeeperAuthFailuresPerSec", "ZooKeeperDisconnectsPerSec",
                "ZooKeeperExpiresPerSec", "ZooKeeperReadOnlyConnectsPerSec", "ZooKeeperSaslAuthenticationsPerSec",
                "ZooKeeperSyncConnectsPerSec")), new TreeSet<>(m.keySet()));
        assertEquals("CONNECTED", ((Gauge<?>) m.get("SessionState")).value());
        Meter syncConnects = (Meter) m.get("ZooKeeperSyncConnectsPerSec");
        await("the SyncConnected event (delivered on the event thread)", 5000, () -> syncConnects.count() == 1);
        assertEquals("syncconnects", ((Meter) m.get("ZooKeeperSyncConnectsPerSec")).eventType());
        c.close();
        assertTrue(metrics("SessionExpireListener").isEmpty());
    }

    @Test
    void closeEndsTheSessionAndItsEphemerals() throws Exception {
        ZooKeeperClient c = client();
        ZooKeeperClient observer = client();
        String p = unique("close");
        c.handleRequest(create(p, null, CreateMode.EPHEMERAL));
        c.close();
        assertEquals(Code.NONODE, observer.handleRequest(new ExistsRequest(p, NONE)).resultCode());
        assertEquals(ZooKeeper.States.CLOSED, c.connectionState());
        // Requests on a closed client are answered at once, never left hanging.
        GetDataResponse r = (GetDataResponse) c.handleRequest(new GetDataRequest(p, NONE));
        assertEquals(Code.SESSIONEXPIRED, r.resultCode());
        assertThrows(ZooKeeperClientExpiredException.class, c::waitUntilConnected);
        c.close(); // idempotent
    }

    /** Metrics named kafka.server:type=TYPE,name=..., by name. */
    private static Map<String, Metric> metrics(String type) {
        Map<String, Metric> out = new java.util.HashMap<>();
        for (Map.Entry<MetricName, Metric> e : KafkaYammerMetrics.defaultRegistry().allMetrics().entrySet()) {
            MetricName n = e.getKey();
            if (n.getMBeanName().equals("kafka.server:type=" + type + ",name=" + n.getName())) {
                out.put(n.getName(), e.getValue());
            }
        }
        return out;
    }
}
