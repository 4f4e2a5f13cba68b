package io.kafkaetcd;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A watcher that keeps what it got, and the thread it got it on. */
final class Recorder implements Watcher {
    final BlockingQueue<WatchedEvent> events = new LinkedBlockingQueue<>();
    final List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void process(WatchedEvent event) {
        threads.add(Thread.currentThread().getName());
        events.add(event);
    }

    /** The next event that is not a state change. */
    WatchedEvent nextNodeEvent(long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            long left = deadline - System.nanoTime();
            WatchedEvent e = events.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            assertNotNull(e, "no event within " + seconds + " s");
            if (e.getType() != EventType.None) {
                return e;
            }
        }
    }

    /** Waits for the state event {@code state}. */
    void awaitState(KeeperState state, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            long left = deadline - System.nanoTime();
            WatchedEvent e = events.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            assertNotNull(e, "no " + state + " within " + seconds + " s");
            if (e.getType() == EventType.None && e.getState() == state) {
                return;
            }
        }
    }

    /**
     * The node events delivered before a fence: {@code client} (the one this
     * recorder watches for) sets an exists watch on the new node {@code fence}
     * and creates it. Events come in etcd revision order, so the event of any
     * earlier write would arrive before the fence's NodeCreated: when that
     * arrives, nothing earlier can still come. Fails after {@code seconds}.
     */
    List<WatchedEvent> nodeEventsBefore(KafkaEtcdClient client, String fence, long seconds) throws Exception {
        assertNull(client.exists(fence, true), "fence " + fence + " exists already");
        client.create(fence, null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<WatchedEvent> out = new ArrayList<>();
        while (true) {
            long left = deadline - System.nanoTime();
            WatchedEvent e = events.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            assertNotNull(e, "no event for the fence " + fence + " within " + seconds + " s; before it: " + out);
            if (e.getType() == EventType.NodeCreated && fence.equals(e.getPath())) {
                return out;
            }
            if (e.getType() != EventType.None) {
                out.add(e);
            }
        }
    }

    /**
     * Asserts that every thread that delivered an event to this recorder has
     * ended (a closed client joins its event thread): no callback can come
     * any more, and none is queued.
     */
    void assertNoMoreCallbacks() {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            assertFalse(threads.contains(t.getName()), "event thread " + t.getName() + " still alive");
        }
        assertEquals(List.of(), new ArrayList<>(events), "events after the event thread ended");
    }
}
