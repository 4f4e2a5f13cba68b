package io.kafkaetcd;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** One-shot watches of each kind, fired by this client and by another, delivered on the dispatcher thread. */
class WatchTest extends EtcdTestBase {
    private static final byte[] A = {1};

    @Test
    void firstEventIsSyncConnectedOnTheDispatcherThread() throws Exception {
        Recorder w = new Recorder();
        open(w);
        WatchedEvent first = w.events.poll(10, TimeUnit.SECONDS);
        assertEquals(new WatchedEvent(EventType.None, KeeperState.SyncConnected, null), first);
        assertTrue(w.threads.get(0).startsWith("kafka-etcd-event-"), w.threads.get(0));
    }

    @Test
    void dataWatchFiresOnceForAnotherClientsChange() throws Exception {
        Recorder w = new Recorder();
        KafkaEtcdClient c = open(w);
        KafkaEtcdClient other = open();
        String p = unique("wdata");
        c.create(p, A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        c.getData(p, true, null);
        other.setData(p, new byte[] {2}, -1);
        assertEquals(new WatchedEvent(EventType.NodeDataChanged, KeeperState.SyncConnected, p), w.nextNodeEvent(10));
        other.setData(p, new byte[] {3}, -1);
        assertEquals(List.of(), w.nodeEventsBefore(c, p + "-fence", 10), "watches are one-shot");
    }

    @Test
    void dataWatchFiresOnDelete() throws Exception {
        Recorder w = new Recorder();
        KafkaEtcdClient c = open(w);
        String p = unique("wdel");
        c.create(p, A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        assertNotNull(c.exists(p, true));
        c.delete(p, -1);
        assertEquals(new WatchedEvent(EventType.NodeDeleted, KeeperState.SyncConnected, p), w.nextNodeEvent(10));
    }

    @Test
    void existsWatchOnMissingNodeFiresOnCreate() throws Exception {
        Recorder w = new Recorder();
        KafkaEtcdClient c = open(w);
        KafkaEtcdClient other = open();
        String p = unique("wcreate");
        assertNull(c.exists(p, true));
        other.create(p, A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        assertEquals(new WatchedEvent(EventType.NodeCreated, KeeperState.SyncConnected, p), w.nextNodeEvent(10));
    }

    @Test
    void childrenWatchFiresOnChildCreateAndDelete() throws Exception {
        Recorder w = new Recorder();
        KafkaEtcdClient c = open(w);
        KafkaEtcdClient other = open();
        String p = unique("wchildren");
        c.create(p, A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        c.getChildren(p, true);
        other.create(p + "/x", A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        assertEquals(new WatchedEvent(EventType.NodeChildrenChanged, KeeperState.SyncConnected, p), w.nextNodeEvent(10));
        c.getChildren(p, true);
        other.delete(p + "/x", -1);
        assertEquals(new WatchedEvent(EventType.NodeChildrenChanged, KeeperState.SyncConnected, p), w.nextNodeEvent(10));
        other.setData(p, new byte[] {5}, -1);
        assertEquals(List.of(), w.nodeEventsBefore(c, p + "-fence", 10), "a data change is no children event");
    }

    @Test
    void noWatchUnlessAsked() throws Exception {
        Recorder w = new Recorder();
        KafkaEtcdClient c = open(w);
        String p = unique("wnone");
        c.create(p, A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        c.getData(p, false, null);
        c.exists(p, false);
        c.getChildren(p, false);
        c.setData(p, A, -1);
        c.create(p + "/c", A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        assertEquals(List.of(), w.nodeEventsBefore(c, p + "-fence", 10));
    }

    @Test
    void ownWriteDeliversTheEventBeforeItsAnswer() throws Exception {
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        KafkaEtcdClient c = open(e -> {
            if (e.getType() != EventType.None) {
                order.add("event " + e.getType());
            }
        });
        String p = unique("wown");
        c.create(p, A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        c.getData(p, true, null);
        CountDownLatch done = new CountDownLatch(1);
        c.submit(Request.setData(p, new byte[] {2}, -1), r -> {
            order.add("answer " + r.code());
            done.countDown();
        });
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(List.of("event NodeDataChanged", "answer OK"), order);
    }

    /**
     * ZooKeeper's guarantee: a client sees the watch event before it sees the
     * new data. Client A keeps reading while B writes; in A's dispatcher
     * order, the event must come before the first answer that shows the write.
     */
    @Test
    void eventComesBeforeAnyReadThatSeesTheChange() throws Exception {
        for (int round = 0; round < 5; round++) {
            List<String> order = Collections.synchronizedList(new ArrayList<>());
            KafkaEtcdClient a = open(e -> {
                if (e.getType() == EventType.NodeDataChanged) {
                    order.add("event");
                }
            });
            KafkaEtcdClient b = open();
            String p = unique("worder");
            a.create(p, A, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            a.getData(p, true, null);
            CountDownLatch seen = new CountDownLatch(1);
            CountDownLatch polling = new CountDownLatch(1);
            Thread writer = new Thread(() -> {
                try {
                    // Writes once the reader below is polling, so the new data can race the event.
                    if (polling.await(10, TimeUnit.SECONDS)) {
                        b.setData(p, new byte[] {2}, -1);
                    }
                } catch (Exception ex) {
                    throw new RuntimeException(ex);
                }
            });
            writer.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (seen.getCount() > 0 && System.nanoTime() < deadline) {
                CompletableFuture<Response> answered = new CompletableFuture<>();
                a.submit(Request.getData(p, false), r -> {
                    if (r.stat() != null && r.stat().getVersion() >= 1 && seen.getCount() > 0) {
                        order.add("new data");
                        seen.countDown();
                    }
                    answered.complete(r);
                });
                polling.countDown();
                answered.get(10, TimeUnit.SECONDS); // one read at a time, back to back
            }
            writer.join();
            assertTrue(seen.await(10, TimeUnit.SECONDS));
            assertEquals(List.of("event", "new data"), order.subList(0, 2), "round " + round);
            a.close();
            b.close();
        }
    }
}
