package io.kafkaetcd;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** Many threads on one client, and ZooKeeper's FIFO order of callbacks. */
class ConcurrencyTest extends EtcdTestBase {
    private static final int THREADS = 64;
    private static final int ROUNDS = 20;

    @Test
    void sixtyFourThreadsHammerOneClient() throws Exception {
        KafkaEtcdClient c = open();
        String root = unique("hammer");
        c.create(root, null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        Queue<String> wrongThread = new ConcurrentLinkedQueue<>();
        // Per thread: the async answers' indexes in the order they were delivered.
        List<Queue<Integer>> delivered = new ArrayList<>();
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Queue<Integer> mine = new ConcurrentLinkedQueue<>();
            delivered.add(mine);
            String node = root + "/t" + t;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    c.create(node, new byte[] {0}, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
                    int n = 0;
                    for (int r = 0; r < ROUNDS; r++) {
                        Stat s = c.setData(node, new byte[] {(byte) (r + 1)}, r);
                        assertEquals(r + 1, s.getVersion());
                        assertArrayEquals(new byte[] {(byte) (r + 1)}, c.getData(node, false, null));
                        List<Request> batch = List.of(
                                Request.getData(node, false).withContext(n++),
                                Request.exists(node + "/none", false).withContext(n++),
                                Request.create(node + "/c" + r, null, Acl.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL).withContext(n++));
                        c.submitBatch(batch, resp -> {
                            if (!Thread.currentThread().getName().startsWith("kafka-etcd-event-")) {
                                wrongThread.add(Thread.currentThread().getName());
                            }
                            if (!resp.isOk()) {
                                failures.add(resp.exception());
                            }
                            mine.add((Integer) resp.ctx());
                        });
                    }
                    assertEquals(ROUNDS, c.getChildren(node, false).size());
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "hammer-" + t);
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join(120_000);
            assertFalse(th.isAlive(), th.getName() + " is stuck");
        }
        assertTrue(failures.isEmpty(), () -> "failures: " + failures);
        assertTrue(wrongThread.isEmpty(), () -> "callbacks off the dispatcher: " + wrongThread);
        // The last getChildren of each thread waited for its earlier creates; FIFO per thread:
        for (int t = 0; t < THREADS; t++) {
            List<Integer> got = new ArrayList<>(delivered.get(t));
            assertEquals(3 * ROUNDS, got.size());
            for (int i = 0; i < got.size(); i++) {
                assertEquals(i, got.get(i), "thread " + t + " answers out of order: " + got);
            }
        }
        assertEquals(THREADS, c.exists(root, false).getNumChildren());
    }

    /**
     * Callbacks run in submission order even when later requests finish
     * first (slow writes interleaved with fast cached-path reads and
     * requests that fail before reaching etcd).
     */
    @Test
    void callbacksRunInRequestOrder() throws Exception {
        KafkaEtcdClient c = open();
        String root = unique("fifo");
        c.create(root, null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        int n = 3000;
        List<Integer> order = new ArrayList<>(); // touched only on the dispatcher thread
        CountDownLatch done = new CountDownLatch(n);
        ResponseCallback cb = r -> {
            order.add((Integer) r.ctx());
            done.countDown();
        };
        for (int i = 0; i < n; i++) {
            Request r;
            switch (i % 4) {
                case 0:
                    r = Request.create(root + "/n" + i, new byte[100], Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
                    break;
                case 1:
                    r = Request.getData(root, false);
                    break;
                case 2:
                    r = Request.getData("bad path", false); // answered without etcd
                    break;
                default:
                    r = Request.exists(root + "/n" + (i - 3), false);
                    break;
            }
            c.submit(r.withContext(i), cb);
        }
        assertTrue(done.await(60, TimeUnit.SECONDS));
        for (int i = 0; i < n; i++) {
            assertEquals(i, order.get(i));
        }
    }
}
