package io.kafkaetcd;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** Session id, expiry through a real lease revoke, and the close lifecycle. */
class SessionTest extends EtcdTestBase {
    @Test
    void sessionIdIsTheEphemeralOwner() throws Exception {
        KafkaEtcdClient c = open();
        assertNotEquals(0, c.getSessionId());
        assertEquals(SessionState.CONNECTED, c.getState());
        assertEquals(6000, c.getSessionTimeout());
        String p = unique("owner");
        c.create(p, null, Acl.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        assertEquals(c.getSessionId(), c.exists(p, false).getEphemeralOwner());
    }

    @Test
    void revokingTheLeaseExpiresTheSession() throws Exception {
        BlockingQueue<KeeperState> states = new LinkedBlockingQueue<>();
        Recorder w = new Recorder();
        KafkaEtcdClient c = open(new ClientConfig().sessionTimeoutMs(3000).requestTimeoutMs(3000), w);
        c.addStateListener(states::add);
        KafkaEtcdClient other = open();
        String p = unique("expire");
        c.create(p, null, Acl.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);

        etcd.revokeLease(c.getSessionId());

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        KeeperState s;
        do {
            s = states.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertNotNull(s, "no Expired state within 15 s");
        } while (s != KeeperState.Expired);
        w.awaitState(KeeperState.Expired, 1);
        assertEquals(SessionState.EXPIRED, c.getState());
        assertFalse(c.getState().isAlive());
        assertThrows(KeeperException.SessionExpiredException.class, () -> c.getData(p, false, null));
        assertEquals(Code.SESSIONEXPIRED, c.submit(Request.exists(p, false)).get(10, TimeUnit.SECONDS).code());
        assertNull(other.exists(p, false), "the expired session's ephemeral node is gone");
        c.close();
        assertEquals(SessionState.CLOSED, c.getState());
    }

    @Test
    void closeDeliversClosedThenNothingAndIsIdempotent() throws Exception {
        Recorder w = new Recorder();
        KafkaEtcdClient c = open(w);
        KafkaEtcdClient other = open();
        String p = unique("close");
        c.create(p, null, Acl.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        c.exists(p + "-watched", true);
        w.awaitState(KeeperState.SyncConnected, 10);

        c.close();
        List<WatchedEvent> got = new ArrayList<>();
        w.events.drainTo(got);
        assertEquals(new WatchedEvent(EventType.None, KeeperState.Closed, null), got.get(got.size() - 1),
                "Closed is delivered before close() returns: " + got);
        assertTrue(c.isClosed());
        assertEquals(SessionState.CLOSED, c.getState());
        c.close();
        assertNull(other.exists(p, false), "close deletes the session's ephemeral nodes");

        other.create(p + "-watched", null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        w.assertNoMoreCallbacks(); // close() joined the event thread: the watch can never fire
    }

    @Test
    void useAfterClose() throws Exception {
        KafkaEtcdClient c = open();
        c.close();
        KeeperException e = assertThrows(KeeperException.SessionExpiredException.class,
                () -> c.create("/x", null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
        assertEquals("client is closed", e.getMessage());
        Response r = c.submit(Request.getData("/", false)).getNow(null);
        assertNotNull(r, "answered at once on the calling thread");
        assertEquals(Code.SESSIONEXPIRED, r.code());
        AtomicInteger called = new AtomicInteger();
        c.submitBatch(List.of(Request.exists("/", false), Request.exists("/", false)), x -> called.incrementAndGet());
        assertEquals(2, called.get());
    }

    @Test
    void requestsInFlightAtCloseAllGetAnAnswer() throws Exception {
        KafkaEtcdClient c = open();
        String p = unique("inflight");
        c.create(p, null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        List<CompletableFuture<Response>> fs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            fs.add(c.submit(Request.create(p + "/n" + i, null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT)));
        }
        c.close();
        for (CompletableFuture<Response> f : fs) {
            assertTrue(f.isDone(), "answered before close() returned");
            Code code = f.get().code();
            assertTrue(code == Code.OK || code == Code.SESSIONEXPIRED, code.toString());
        }
    }

    @Test
    void concurrentClosesAllReturnAfterTheSessionEnded() throws Exception {
        KafkaEtcdClient c = open();
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Thread t = new Thread(() -> {
                c.close();
                assertTrue(c.isClosed());
            });
            ts.add(t);
            t.start();
        }
        for (Thread t : ts) {
            t.join(20_000);
            assertFalse(t.isAlive());
        }
    }
}
