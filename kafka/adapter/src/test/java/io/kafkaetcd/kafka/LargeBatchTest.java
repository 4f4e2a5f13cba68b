package io.kafkaetcd.kafka;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.junit.jupiter.api.Test;

import kafka.zookeeper.AsyncRequest;
import kafka.zookeeper.AsyncResponse;
import kafka.zookeeper.ExistsRequest;
import kafka.zookeeper.GetDataRequest;
import kafka.zookeeper.GetDataResponse;
import kafka.zookeeper.SetDataRequest;
import kafka.zookeeper.SetDataResponse;
import kafka.zookeeper.ZNodeChangeHandler;
import kafka.zookeeper.ZooKeeperClient;
import scala.Option;

/**
 * A handleRequests of 2,000 reads or conditional writes reaches the engine at
 * once, whatever Kafka's zookeeper.max.in.flight.requests (10 here, Kafka's
 * default), and folds into few etcd txns: counted from etcd's own /metrics
 * (grpc_server_handled_total by grpc_method) before and after.
 */
class LargeBatchTest extends AdapterTestBase {
    private static final Option<Object> NONE = Option.empty();
    private static final int N = 2_000;
    /** At most one etcd request per 16 ZooKeeper requests; one txn per request would be N. */
    private static final int MAX_ETCD_REQUESTS = N / 16;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** etcd's count of KV requests (Txn + Range) it has handled so far. */
    private static double kvRequests() throws Exception {
        return etcd.metric("grpc_server_handled_total", "grpc_method=\"Txn\"")
                + etcd.metric("grpc_server_handled_total", "grpc_method=\"Range\"");
    }

    private static double proposals() throws Exception {
        return etcd.metric("etcd_server_proposals_committed_total");
    }

    /** N nodes under a fresh parent, node i holding "d<i>", version 0. */
    private List<String> nodes(ZooKeeperClient c) {
        String p = unique("large");
        assertEquals(Code.OK, c.handleRequest(create(p, null, CreateMode.PERSISTENT)).resultCode());
        List<String> paths = new ArrayList<>();
        List<AsyncRequest> creates = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            paths.add(p + "/n" + i);
            creates.add(create(p + "/n" + i, b("d" + i), CreateMode.PERSISTENT));
        }
        for (AsyncResponse r : run(c, creates)) {
            assertEquals(Code.OK, r.resultCode(), r.path());
        }
        return paths;
    }

    private static List<AsyncRequest> setData(List<String> paths, int version) {
        List<AsyncRequest> reqs = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            reqs.add(new SetDataRequest(paths.get(i), b("v" + i), version, Option.apply(i)));
        }
        return reqs;
    }

    @Test
    void twoThousandConditionalSetDataFoldIntoFewTxns() throws Exception {
        ZooKeeperClient c = client(10);
        List<String> paths = nodes(c);
        double kvBefore = kvRequests();
        double proposalsBefore = proposals();
        List<AsyncResponse> rs = run(c, setData(paths, 0));
        double txns = kvRequests() - kvBefore;
        double committed = proposals() - proposalsBefore;
        System.out.printf("LargeBatchTest: %d conditional setData took %.0f etcd Txn/Range requests, "
                + "%.0f raft proposals%n", N, txns, committed);
        assertEquals(N, rs.size());
        for (int i = 0; i < N; i++) {
            SetDataResponse r = (SetDataResponse) rs.get(i);
            assertEquals(Code.OK, r.resultCode(), r.path());
            assertEquals(paths.get(i), r.path(), "response " + i + " answers request " + i);
            assertEquals(1, r.stat().getVersion(), r.path());
        }
        assertTrue(txns <= MAX_ETCD_REQUESTS, txns + " etcd requests for " + N + " setData");
        assertTrue(committed <= MAX_ETCD_REQUESTS, committed + " raft proposals for " + N + " setData");
        // The version really was compared: the same batch again is refused node by node.
        for (AsyncResponse r : run(c, setData(paths, 0))) {
            assertEquals(Code.BADVERSION, r.resultCode(), r.path());
        }
    }

    @Test
    void twoThousandGetDataFoldIntoFewReadTxns() throws Exception {
        ZooKeeperClient c = client(10);
        List<String> paths = nodes(c);
        List<AsyncRequest> reads = new ArrayList<>();
        for (String p : paths) {
            reads.add(new GetDataRequest(p, NONE));
        }
        double kvBefore = kvRequests();
        List<AsyncResponse> rs = run(c, reads);
        double txns = kvRequests() - kvBefore;
        System.out.printf("LargeBatchTest: %d getData took %.0f etcd Txn/Range requests%n", N, txns);
        for (int i = 0; i < N; i++) {
            GetDataResponse r = (GetDataResponse) rs.get(i);
            assertEquals(Code.OK, r.resultCode(), r.path());
            assertEquals(paths.get(i), r.path());
            assertArrayEquals(b("d" + i), r.data(), r.path());
        }
        assertTrue(txns <= MAX_ETCD_REQUESTS, txns + " etcd requests for " + N + " getData");
    }

    /**
     * Answers come back on the session's event thread. With that thread held
     * in a watch handler, no answer can reach handleRequests: all N writes are
     * still applied, so all N were handed to the engine before any answer
     * (a cap of k in flight released by answers would stop at k).
     */
    @Test
    void theWholeCallReachesTheEngineBeforeAnyAnswer() throws Exception {
        ZooKeeperClient c = client(10);
        ZooKeeperClient observer = client(10);
        List<String> paths = nodes(c);
        String gate = unique("gate");
        assertEquals(Code.OK, c.handleRequest(create(gate, null, CreateMode.PERSISTENT)).resultCode());
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        c.registerZNodeChangeHandler(new ZNodeChangeHandler() {
            @Override public String path() { return gate; }
            @Override public void handleDataChange() {
                held.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        CompletableFuture<List<AsyncResponse>> call;
        try {
            assertEquals(Code.OK, c.handleRequest(new ExistsRequest(gate, NONE)).resultCode()); // arms the watch
            observer.handleRequest(new SetDataRequest(gate, b("x"), -1, NONE));
            assertTrue(held.await(10, TimeUnit.SECONDS), "the event thread is held in the handler");

            call = CompletableFuture.supplyAsync(() -> run(c, setData(paths, 0)));
            List<AsyncRequest> check = new ArrayList<>();
            for (String p : paths) {
                check.add(new ExistsRequest(p, NONE));
            }
            int[] applied = {0};
            await("all " + N + " setData applied while no answer can be delivered", 30_000, () -> {
                applied[0] = 0;
                for (AsyncResponse r : run(observer, check)) {
                    if (r.resultCode() == Code.OK && ((kafka.zookeeper.ExistsResponse) r).stat().getVersion() == 1) {
                        applied[0]++;
                    }
                }
                return applied[0] == N;
            });
            assertFalse(call.isDone(), "no answer was delivered yet");
        } finally {
            release.countDown();
        }
        List<AsyncResponse> rs = call.get(60, TimeUnit.SECONDS);
        for (int i = 0; i < N; i++) {
            assertEquals(Code.OK, rs.get(i).resultCode(), rs.get(i).path());
            assertEquals(paths.get(i), rs.get(i).path());
        }
    }
}
