package io.kafkaetcd;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/** Handlers that call the client again, block, or close it, on the dispatcher thread. */
class ReentrancyTest extends EtcdTestBase {
    @Test
    void watcherCallsBlockingAndAsyncMethods() throws Exception {
        AtomicReference<KafkaEtcdClient> self = new AtomicReference<>();
        CompletableFuture<String> result = new CompletableFuture<>();
        String p = unique("rewatch");
        KafkaEtcdClient c = open(e -> {
            if (e.getType() != EventType.NodeDataChanged) {
                return;
            }
            try {
                KafkaEtcdClient k = self.get();
                byte[] d = k.getData(e.getPath(), true, null); // blocking, re-arms the watch
                String created = k.create(e.getPath() + "/seen", d, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
                k.submit(Request.exists(created, false), r -> result.complete(created + " " + r.stat().getDataLength()));
            } catch (Exception ex) {
                result.completeExceptionally(ex);
            }
        });
        self.set(c);
        c.create(p, null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        c.getData(p, true, null);
        c.setData(p, new byte[] {1, 2}, -1);
        assertEquals(p + "/seen 2", result.get(10, TimeUnit.SECONDS));
    }

    @Test
    void callbackCallsBlockingMethodsAndNestsAsyncOnes() throws Exception {
        KafkaEtcdClient c = open();
        String p = unique("recallback");
        c.create(p, null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        CompletableFuture<String> out = new CompletableFuture<>();
        c.submit(Request.getData(p, false), r1 -> {
            try {
                c.create(p + "/a", null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
                c.submit(Request.getChildren(p, false), r2 -> {
                    try {
                        Stat s = c.exists(p, false);
                        out.complete(r2.children() + " " + s.getNumChildren());
                    } catch (Exception e) {
                        out.completeExceptionally(e);
                    }
                });
            } catch (Exception e) {
                out.completeExceptionally(e);
            }
        });
        assertEquals("[a] 1", out.get(10, TimeUnit.SECONDS));
    }

    @Test
    void futureChainsOnTheDispatcherMayBlock() throws Exception {
        KafkaEtcdClient c = open();
        String p = unique("rechain");
        String got = c.submit(Request.create(p, new byte[] {7}, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT))
                .thenApply(r -> {
                    try {
                        return r.createdPath() + "=" + c.getData(r.createdPath(), false, null)[0];
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }).get(10, TimeUnit.SECONDS);
        assertEquals(p + "=7", got);
    }

    /** While its dispatcher is stuck in a slow handler, the client's I/O goes on. */
    @Test
    void aSlowHandlerDoesNotStallIo() throws Exception {
        KafkaEtcdClient c = open();
        KafkaEtcdClient other = open();
        String p = unique("slow");
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        c.submit(Request.exists("/", false), r -> {
            inHandler.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(inHandler.await(10, TimeUnit.SECONDS));
        CompletableFuture<Response> write = c.submit(Request.create(p, null, Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (other.exists(p, false) == null) {
            assertTrue(System.nanoTime() < deadline, "the write never reached etcd while the handler ran");
            Thread.sleep(10);
        }
        assertFalse(write.isDone(), "its answer waits for the dispatcher");
        release.countDown();
        assertEquals(Code.OK, write.get(10, TimeUnit.SECONDS).code());
    }

    @Test
    void closeFromInsideACallback() throws Exception {
        Recorder w = new Recorder();
        KafkaEtcdClient c = open(w);
        CountDownLatch closed = new CountDownLatch(1);
        c.submit(Request.exists("/", false), r -> {
            c.close();
            closed.countDown();
        });
        assertTrue(closed.await(20, TimeUnit.SECONDS));
        w.awaitState(KeeperState.Closed, 10);
        assertTrue(c.isClosed());
        c.close();
        assertEquals(SessionState.CLOSED, c.getState());
    }
}
