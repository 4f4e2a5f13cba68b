package io.kafkaetcd.kafka;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

import kafka.zookeeper.AsyncRequest;
import kafka.zookeeper.AsyncResponse;
import kafka.zookeeper.CheckOp;
import kafka.zookeeper.CreateOp;
import kafka.zookeeper.CreateResponse;
import kafka.zookeeper.DeleteOp;
import kafka.zookeeper.DeleteRequest;
import kafka.zookeeper.ExistsRequest;
import kafka.zookeeper.ExistsResponse;
import kafka.zookeeper.GetAclRequest;
import kafka.zookeeper.GetAclResponse;
import kafka.zookeeper.GetChildrenRequest;
import kafka.zookeeper.GetChildrenResponse;
import kafka.zookeeper.GetDataRequest;
import kafka.zookeeper.GetDataResponse;
import kafka.zookeeper.MultiRequest;
import kafka.zookeeper.MultiResponse;
import kafka.zookeeper.SetAclRequest;
import kafka.zookeeper.SetAclResponse;
import kafka.zookeeper.SetDataOp;
import kafka.zookeeper.SetDataRequest;
import kafka.zookeeper.SetDataResponse;
import kafka.zookeeper.ZkOp;
import kafka.zookeeper.ZkOpResult;
import kafka.zookeeper.ZooKeeperClient;
import scala.Function1;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.BoxedUnit;

/** Every request type through handleRequests, with Kafka's own request/response classes. */
class RequestsTest extends AdapterTestBase {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static final Option<Object> NONE = Option.empty();

    @Test
    void everyRequestTypeAnswersLikeZooKeeper() {
        ZooKeeperClient c = client();
        String p = unique("req");
        Option<Object> ctx = Option.apply("my-ctx");
        CreateResponse created = (CreateResponse) c.handleRequest(
                new kafka.zookeeper.CreateRequest(p, null, OPEN, CreateMode.PERSISTENT, ctx));
        assertEquals(Code.OK, created.resultCode());
        assertEquals(p, created.name());
        assertEquals(p, created.path());
        assertEquals(ctx, created.ctx(), "ctx passes through");
        assertNotNull(created.metadata());
        assertTrue(created.metadata().responseTimeMs() >= 0);

        List<AsyncResponse> rs = run(c,
                new GetDataRequest(p, NONE),                                    // 0: null data
                create(p + "/empty", new byte[0], CreateMode.PERSISTENT),       // 1
                new GetDataRequest(p + "/empty", NONE),                         // 2: empty data
                new SetDataRequest(p, b("v1"), 0, NONE),                        // 3
                new SetDataRequest(p, b("v2"), 0, NONE),                        // 4: BADVERSION
                new ExistsRequest(p, NONE),                                     // 5
                new ExistsRequest(p + "/missing", NONE),                        // 6: NONODE
                new GetChildrenRequest(p, false, NONE),                         // 7
                new GetChildrenRequest(p + "/missing", false, NONE),            // 8
                new GetAclRequest(p, NONE),                                     // 9
                new SetAclRequest(p, CollectionConverters.asScala(new ArrayList<>(ZooDefs.Ids.READ_ACL_UNSAFE)), 0, NONE), // 10
                new DeleteRequest(p, -1, NONE),                                 // 11: NOTEMPTY
                create(p + "/seq-", b("s"), CreateMode.PERSISTENT_SEQUENTIAL),  // 12
                create(p + "/eph", null, CreateMode.EPHEMERAL),                 // 13
                new GetDataRequest(p + "/eph", NONE),                           // 14
                new GetDataRequest(p + "/missing", NONE),                       // 15: NONODE
                new DeleteRequest(p + "/empty", 5, NONE),                       // 16: BADVERSION
                create(p, null, CreateMode.PERSISTENT));                        // 17: NODEEXISTS

        GetDataResponse nullData = (GetDataResponse) rs.get(0);
        assertEquals(Code.OK, nullData.resultCode());
        assertNull(nullData.data(), "null data stays null");
        assertEquals(0, nullData.stat().getVersion());
        assertArrayEquals(new byte[0], ((GetDataResponse) rs.get(2)).data(), "empty data stays empty");

        SetDataResponse set = (SetDataResponse) rs.get(3);
        assertEquals(Code.OK, set.resultCode());
        assertEquals(1, set.stat().getVersion());
        assertEquals(Code.BADVERSION, rs.get(4).resultCode());
        assertNull(((SetDataResponse) rs.get(4)).stat());

        ExistsResponse exists = (ExistsResponse) rs.get(5);
        assertEquals(Code.OK, exists.resultCode());
        assertEquals(1, exists.stat().getNumChildren());
        ExistsResponse missing = (ExistsResponse) rs.get(6);
        assertEquals(Code.NONODE, missing.resultCode(), "ZooKeeper's async exists answers NONODE");
        assertNull(missing.stat());

        GetChildrenResponse children = (GetChildrenResponse) rs.get(7);
        assertEquals(List.of("empty"), CollectionConverters.asJava(children.children()));
        assertEquals(1, children.stat().getNumChildren());
        GetChildrenResponse noChildren = (GetChildrenResponse) rs.get(8);
        assertEquals(Code.NONODE, noChildren.resultCode());
        assertTrue(noChildren.children().isEmpty(), "never null");
        assertNull(noChildren.stat());

        GetAclResponse acl = (GetAclResponse) rs.get(9);
        assertEquals(ZooDefs.Ids.OPEN_ACL_UNSAFE, CollectionConverters.asJava(acl.acl()));
        SetAclResponse setAcl = (SetAclResponse) rs.get(10);
        assertEquals(Code.OK, setAcl.resultCode());
        assertEquals(1, setAcl.stat().getAversion());
        assertEquals(Code.NOTEMPTY, rs.get(11).resultCode());

        String seqName = ((CreateResponse) rs.get(12)).name();
        assertTrue(seqName.matches(java.util.regex.Pattern.quote(p + "/seq-") + "\\d{10}"), seqName);

        Stat eph = ((GetDataResponse) rs.get(14)).stat();
        assertEquals(c.sessionId(), eph.getEphemeralOwner(), "ephemeralOwner = sessionId (KAFKA-7165 check)");
        assertNotEquals(0, c.sessionId());

        GetDataResponse noData = (GetDataResponse) rs.get(15);
        assertEquals(Code.NONODE, noData.resultCode());
        assertNull(noData.data());
        assertNull(noData.stat());
        assertTrue(noData.resultException().isDefined());
        assertEquals(Code.BADVERSION, rs.get(16).resultCode());
        assertEquals(Code.NODEEXISTS, rs.get(17).resultCode());
        assertNull(((CreateResponse) rs.get(17)).name());

        for (AsyncResponse r : rs) {
            assertNotNull(r.metadata(), "metadata feeds Kafka's latency histogram");
            assertTrue(r.metadata().receivedTimeMs() >= r.metadata().sendTimeMs());
        }
    }

    @Test
    void multiResultsAreOnePerOpAsInZooKeeper() {
        ZooKeeperClient c = client();
        String p = unique("multi");
        // Kafka's controller election shape: create an ephemeral, then set it, in one multi.
        MultiResponse ok = (MultiResponse) c.handleRequest(new MultiRequest(seq(
                (ZkOp) new CreateOp(p, null, OPEN, CreateMode.EPHEMERAL),
                new SetDataOp(p, b("x"), 0)), Option.apply("m")));
        assertEquals(Code.OK, ok.resultCode());
        assertNull(ok.path());
        assertEquals(Option.apply("m"), ok.ctx());
        List<ZkOpResult> results = CollectionConverters.asJava(ok.zkOpResults());
        assertEquals(2, results.size());
        assertEquals(p, ((OpResult.CreateResult) results.get(0).rawOpResult()).getPath());
        assertEquals(1, ((OpResult.SetDataResult) results.get(1).rawOpResult()).getStat().getVersion());
        assertTrue(results.get(0).zkOp() instanceof CreateOp, "each result carries its op");

        // The controller-epoch check shape: [CheckOp, op] with a stale version.
        MultiResponse stale = (MultiResponse) c.handleRequest(new MultiRequest(seq(
                (ZkOp) new CheckOp(p, 7), new SetDataOp(p, b("y"), -1)), NONE));
        assertEquals(Code.BADVERSION, stale.resultCode());
        List<ZkOpResult> failed = CollectionConverters.asJava(stale.zkOpResults());
        assertEquals(Code.BADVERSION.intValue(), ((OpResult.ErrorResult) failed.get(0).rawOpResult()).getErr());
        assertEquals(Code.RUNTIMEINCONSISTENCY.intValue(), ((OpResult.ErrorResult) failed.get(1).rawOpResult()).getErr());

        // A failure in the middle: OK before it, its error, RUNTIMEINCONSISTENCY after.
        MultiResponse mid = (MultiResponse) c.handleRequest(new MultiRequest(seq(
                (ZkOp) new CheckOp(p, 1), new CreateOp(p, null, OPEN, CreateMode.PERSISTENT),
                new DeleteOp(p, -1)), NONE));
        assertEquals(Code.NODEEXISTS, mid.resultCode());
        List<ZkOpResult> m = CollectionConverters.asJava(mid.zkOpResults());
        assertEquals(List.of(0, Code.NODEEXISTS.intValue(), Code.RUNTIMEINCONSISTENCY.intValue()),
                List.of(((OpResult.ErrorResult) m.get(0).rawOpResult()).getErr(),
                        ((OpResult.ErrorResult) m.get(1).rawOpResult()).getErr(),
                        ((OpResult.ErrorResult) m.get(2).rawOpResult()).getErr()));
        assertEquals(Code.OK, c.handleRequest(new ExistsRequest(p, NONE)).resultCode(), "nothing applied");
    }

    @Test
    void responsesComeInRequestOrderWhateverMaxInFlight() throws Exception {
        for (int maxInFlight : new int[] {1, 3, 64}) {
            ZooKeeperClient c = client(maxInFlight);
            String p = unique("order");
            c.handleRequest(create(p, null, CreateMode.PERSISTENT));
            List<AsyncRequest> reqs = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                String node = p + "/n" + i;
                Option<Object> ctx = Option.apply(i);
                reqs.add(new kafka.zookeeper.CreateRequest(node, b("d" + i), OPEN, CreateMode.PERSISTENT, ctx));
                reqs.add(new GetDataRequest(node, ctx));
                reqs.add(new ExistsRequest(node + "/none", ctx));
            }
            List<AsyncResponse> rs = run(c, reqs);
            assertEquals(reqs.size(), rs.size());
            for (int i = 0; i < reqs.size(); i++) {
                AsyncResponse r = rs.get(i);
                assertEquals(reqs.get(i).path(), r.path(), "response " + i + " answers request " + i);
                assertEquals(reqs.get(i).ctx(), r.ctx());
            }
            for (int i = 0; i < 150; i++) {
                assertEquals(Code.OK, rs.get(3 * i).resultCode());
                assertArrayEquals(b("d" + i), ((GetDataResponse) rs.get(3 * i + 1)).data(),
                        "a read after a write of the same batch sees it");
                assertEquals(Code.NONODE, rs.get(3 * i + 2).resultCode());
            }
        }
    }

    @Test
    void concurrentCallersEachGetTheirOwnAnswers() throws Exception {
        ZooKeeperClient c = client(2);
        String p = unique("conc");
        c.handleRequest(create(p, null, CreateMode.PERSISTENT));
        List<CompletableFuture<Void>> fs = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            final int thread = t;
            fs.add(CompletableFuture.runAsync(() -> {
                List<AsyncRequest> reqs = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    reqs.add(create(p + "/t" + thread + "-" + i, null, CreateMode.PERSISTENT));
                }
                List<AsyncResponse> rs = run(c, reqs);
                for (int i = 0; i < 50; i++) {
                    assertEquals(reqs.get(i).path(), rs.get(i).path());
                    assertEquals(Code.OK, rs.get(i).resultCode());
                }
            }));
        }
        for (CompletableFuture<Void> f : fs) {
            f.get(60, TimeUnit.SECONDS);
        }
        GetChildrenResponse all = (GetChildrenResponse) c.handleRequest(new GetChildrenRequest(p, false, NONE));
        assertEquals(200, all.children().size());
    }

    @Test
    void aRejectedRequestLeavesTheClientUsable() {
        ZooKeeperClient c = client(1);
        // ZooKeeper's client rejects a null path before sending: so do we.
        assertThrows(IllegalArgumentException.class, () -> run(c, new GetDataRequest(null, NONE)));
        assertEquals(0, run(c).size(), "an empty batch answers an empty Seq");
        // The requests after the rejected one were never sent; later calls still work.
        assertEquals(Code.OK, c.handleRequest(new ExistsRequest("/", NONE)).resultCode());
        assertEquals(Code.OK, c.handleRequest(new ExistsRequest("/", NONE)).resultCode());
    }

    @Test
    void sendCallsBackOnce() throws Exception {
        ZooKeeperClient c = client();
        CompletableFuture<AsyncResponse> got = new CompletableFuture<>();
        AtomicInteger calls = new AtomicInteger();
        c.send(new ExistsRequest("/", NONE), (Function1<AsyncResponse, BoxedUnit>) r -> {
            calls.incrementAndGet();
            got.complete(r);
            return BoxedUnit.UNIT;
        });
        assertEquals(Code.OK, got.get(10, TimeUnit.SECONDS).resultCode());
        // Callbacks run in request order on one thread: once a later request's
        // callback has run, a second call for the first could only have come before.
        CompletableFuture<AsyncResponse> fence = new CompletableFuture<>();
        c.send(new ExistsRequest("/", NONE), (Function1<AsyncResponse, BoxedUnit>) r -> {
            fence.complete(r);
            return BoxedUnit.UNIT;
        });
        assertEquals(Code.OK, fence.get(10, TimeUnit.SECONDS).resultCode());
        assertEquals(1, calls.get());
    }

    @Test
    void unsupportedAndTrivialMembers() {
        ZKClientConfig config = new ZKClientConfig();
        ZooKeeperClient c = client(etcd.endpoint(), 10, config, "SessionExpireListenerTrivial");
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, c::currentZooKeeper);
        assertTrue(e.getMessage().contains("no ZooKeeper handle"), e.getMessage());
        assertEquals(1000, ZooKeeperClient.RetryBackoffMs());
        assertSame(config, c.clientConfig());
        assertEquals(org.apache.zookeeper.ZooKeeper.States.CONNECTED, c.connectionState());
        assertNotNull(c.reinitializeScheduler());
        c.waitUntilConnected();
    }

    @Test
    void knobsComeFromTheClientConfig() throws Exception {
        ZKClientConfig small = new ZKClientConfig();
        small.setProperty(AdapterSettings.MAX_DATA_BYTES, "1000");
        small.setProperty(AdapterSettings.NAMESPACE, "other-ns");
        ZooKeeperClient c = client(etcd.endpoint(), 10, small, "SessionExpireListenerKnobs");
        String p = unique("knobs");
        assertEquals(Code.BADARGUMENTS, c.handleRequest(create(p, new byte[1001], CreateMode.PERSISTENT)).resultCode(),
                "over kafkaetcd.max.data.bytes");
        assertEquals(Code.OK, c.handleRequest(create(p, new byte[1000], CreateMode.PERSISTENT)).resultCode());
        assertEquals(Code.NONODE, client().handleRequest(new ExistsRequest(p, NONE)).resultCode(),
                "another namespace is another tree");

        ZKClientConfig bad = new ZKClientConfig();
        bad.setProperty(AdapterSettings.REQUEST_TIMEOUT_MS, "soon");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> client(etcd.endpoint(), 10, bad, "SessionExpireListenerBad"));
        assertTrue(e.getMessage().contains(AdapterSettings.REQUEST_TIMEOUT_MS), e.getMessage());
    }
}
