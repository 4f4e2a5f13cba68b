package io.kafkaetcd.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.kafkaetcd.Acl;
import io.kafkaetcd.CreateMode;
import io.kafkaetcd.KafkaEtcdClient;
import io.kafkaetcd.KeeperException;
import io.kafkaetcd.Request;
import io.kafkaetcd.Response;

/**
 * The Java side of the bridge benchmark (scripts/bench-bridge.sh): the same
 * getData loops as the Rust example {@code engine_bench}, through the JNI
 * bridge. Not a test: it prints
 * {@code RESULT <workload> <microseconds per call> <calls per second>}.
 *
 * <p>Usage: {@code BridgeBench ENDPOINT [SEQUENTIAL_CALLS] [PIPELINED_CALLS]}
 */
public final class BridgeBench {
    /** Requests submitted at once by the pipelined loops, as in the Rust example. */
    private static final int WINDOW = 1000;
    private static final String NODE = "/bridge-bench";

    private BridgeBench() {
    }

    public static void main(String[] args) throws Exception {
        String endpoint = args[0];
        int seqCalls = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int pipeCalls = args.length > 2 ? Integer.parseInt(args[2]) : 200_000;
        try (KafkaEtcdClient c = KafkaEtcdClient.open(endpoint)) {
            if (c.exists(NODE, false) == null) {
                try {
                    c.create(NODE, new byte[100], Acl.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
                } catch (KeeperException.NodeExistsException e) {
                    // created meanwhile
                }
            }
            // Warm-up, JIT included: every loop once, smaller.
            sequential(c, seqCalls / 10);
            sequentialOnDispatcher(c, seqCalls / 10);
            pipelined(c, pipeCalls / 10);
            batched(c, pipeCalls / 10);

            long t = System.nanoTime();
            sequential(c, seqCalls);
            report("sequential", seqCalls, t);
            t = System.nanoTime();
            sequentialOnDispatcher(c, seqCalls);
            report("sequential-in-callback", seqCalls, t);
            t = System.nanoTime();
            pipelined(c, pipeCalls);
            report("pipelined", pipeCalls, t);
            t = System.nanoTime();
            batched(c, pipeCalls);
            report("pipelined-batch", pipeCalls, t);
        }
    }

    private static void report(String name, int calls, long startNanos) {
        double secs = (System.nanoTime() - startNanos) / 1e9;
        System.out.printf("RESULT %s %.2f %.0f%n", name, secs * 1e6 / calls, calls / secs);
    }

    /** Blocking getData from an application thread (submit + wait for the dispatcher). */
    private static void sequential(KafkaEtcdClient c, int calls) throws Exception {
        for (int i = 0; i < calls; i++) {
            c.getData(NODE, false, null);
        }
    }

    /** Blocking getData from inside a callback: the direct native call path. */
    private static void sequentialOnDispatcher(KafkaEtcdClient c, int calls) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        c.submit(Request.exists(NODE, false), r -> {
            try {
                for (int i = 0; i < calls; i++) {
                    c.getData(NODE, false, null);
                }
                done.complete(null);
            } catch (Exception e) {
                done.completeExceptionally(e);
            }
        });
        done.get(10, TimeUnit.MINUTES);
    }

    /** WINDOW separate async submits, then wait for all: one native call per request. */
    private static void pipelined(KafkaEtcdClient c, int calls) throws Exception {
        Request r = Request.getData(NODE, false);
        for (int left = calls; left > 0; left -= WINDOW) {
            int n = Math.min(left, WINDOW);
            CountDownLatch done = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                c.submit(r, x -> check(x, done));
            }
            done.await();
        }
    }

    /** WINDOW requests per submitBatch: one native call per window. */
    private static void batched(KafkaEtcdClient c, int calls) throws Exception {
        Request r = Request.getData(NODE, false);
        for (int left = calls; left > 0; left -= WINDOW) {
            int n = Math.min(left, WINDOW);
            List<Request> batch = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                batch.add(r);
            }
            CountDownLatch done = new CountDownLatch(n);
            c.submitBatch(batch, x -> check(x, done));
            done.await();
        }
    }

    private static void check(Response r, CountDownLatch done) {
        if (!r.isOk()) {
            throw new IllegalStateException("getData failed: " + r.code());
        }
        done.countDown();
    }
}
