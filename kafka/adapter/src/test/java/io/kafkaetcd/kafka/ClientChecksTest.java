package io.kafkaetcd.kafka;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.apache.kafka.common.utils.Time;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.client.ZKClientConfig;
import org.junit.jupiter.api.Test;

import kafka.zookeeper.AsyncRequest;
import kafka.zookeeper.AsyncResponse;
import kafka.zookeeper.CheckOp;
import kafka.zookeeper.CreateOp;
import kafka.zookeeper.DeleteRequest;
import kafka.zookeeper.ExistsRequest;
import kafka.zookeeper.GetChildrenRequest;
import kafka.zookeeper.GetDataRequest;
import kafka.zookeeper.MultiRequest;
import kafka.zookeeper.MultiResponse;
import kafka.zookeeper.SetDataRequest;
import kafka.zookeeper.ZkOp;
import kafka.zookeeper.ZkOpResult;
import kafka.zookeeper.ZooKeeperClient;
import scala.Function1;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.BoxedUnit;

/**
 * What ZooKeeper's own client does before a request leaves, and the parts of
 * the client Kafka's tests rely on: path validation with ZooKeeper's exception,
 * a subclass's {@code send} override, ZooKeeper's event thread name.
 */
class ClientChecksTest extends AdapterTestBase {
    private static final Option<Object> NONE = Option.empty();

    @Test
    void invalidPathsThrowIllegalArgumentBeforeSending() {
        ZooKeeperClient c = client(1);
        for (String bad : new String[] {"no-slash", "/trailing/", "//double", "/a/./b", "/a/../b", ""}) {
            assertThrows(IllegalArgumentException.class, () -> c.handleRequest(new GetDataRequest(bad, NONE)), bad);
            assertThrows(IllegalArgumentException.class, () -> c.handleRequest(new DeleteRequest(bad, -1, NONE)), bad);
            assertThrows(IllegalArgumentException.class,
                    () -> c.handleRequest(create(bad, null, CreateMode.PERSISTENT)), bad);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.handleRequest(new ExistsRequest(null, NONE)));
        assertEquals("Path cannot be null", e.getMessage(), "ZooKeeper's own message");
        // A sequential create may end in '/' (the counter is appended), as in ZooKeeper.
        String p = unique("seq");
        assertEquals(Code.OK, c.handleRequest(create(p, null, CreateMode.PERSISTENT)).resultCode());
        assertEquals(Code.OK, c.handleRequest(create(p + "/", null, CreateMode.PERSISTENT_SEQUENTIAL)).resultCode());
        // The client is still usable after the rejected requests.
        assertEquals(Code.OK, c.handleRequest(new ExistsRequest(p, NONE)).resultCode());
    }

    @Test
    void requestsBeforeAnInvalidOneAreSent() {
        ZooKeeperClient c = client(10);
        String p = unique("prefix");
        assertThrows(IllegalArgumentException.class,
                () -> run(c, create(p, null, CreateMode.PERSISTENT), new SetDataRequest("bad", null, -1, NONE),
                        create(p + "/after", null, CreateMode.PERSISTENT)));
        assertEquals(Code.OK, c.handleRequest(new ExistsRequest(p, NONE)).resultCode(), "sent before the invalid one");
        assertEquals(Code.NONODE, c.handleRequest(new ExistsRequest(p + "/after", NONE)).resultCode(), "never sent");
        for (int i = 0; i < 20; i++) { // the client is still usable
            assertEquals(Code.OK, c.handleRequest(new ExistsRequest(p, NONE)).resultCode());
        }
    }

    @Test
    void aMultiWithAnInvalidPathIsBadArgumentsWithOneResultPerOp() {
        ZooKeeperClient c = client();
        String p = unique("multi");
        List<ZkOp> ops = List.of(new CreateOp(p, null, OPEN, CreateMode.PERSISTENT), new CheckOp("bad/", -1),
                new CreateOp(p + "/x", null, OPEN, CreateMode.PERSISTENT));
        MultiResponse r = (MultiResponse) c.handleRequest(new MultiRequest(seq(ops.toArray(new ZkOp[0])), NONE));
        assertEquals(Code.BADARGUMENTS, r.resultCode());
        List<ZkOpResult> results = new ArrayList<>(CollectionConverters.asJava(r.zkOpResults()));
        assertEquals(3, results.size());
        int[] expected = {Code.RUNTIMEINCONSISTENCY.intValue(), Code.BADARGUMENTS.intValue(),
            Code.RUNTIMEINCONSISTENCY.intValue()};
        for (int i = 0; i < 3; i++) {
            assertSame(ops.get(i), results.get(i).zkOp());
            assertEquals(expected[i], ((OpResult.ErrorResult) results.get(i).rawOpResult()).getErr(), "op " + i);
        }
        assertEquals(Code.NONODE, c.handleRequest(new ExistsRequest(p, NONE)).resultCode(), "nothing applied");
    }

    @Test
    void aClientSocketClassThatDoesNotExistIsRefusedAsByZooKeeper() {
        ZKClientConfig bad = new ZKClientConfig();
        bad.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, "org.apache.zookeeper.ClientCnxnSocketNettyBad");
        assertThrows(IllegalArgumentException.class,
                () -> client(etcd.endpoint(), 10, bad, "SessionExpireListenerBadSocket"));
        ZKClientConfig netty = new ZKClientConfig();
        netty.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, "org.apache.zookeeper.ClientCnxnSocketNetty");
        assertEquals(Code.OK, client(etcd.endpoint(), 10, netty, "SessionExpireListenerNetty")
                .handleRequest(new ExistsRequest("/", NONE)).resultCode(), "a real class is accepted (and not used)");
    }

    @Test
    void handleRequestsGoesThroughAnOverriddenSend() {
        AtomicInteger sends = new AtomicInteger();
        ZooKeeperClient c = new ZooKeeperClient(etcd.endpoint(), 6000, 10_000, 2, Time.SYSTEM, "kafka.server",
                "SessionExpireListenerOverride", new ZKClientConfig(), "override") {
            @Override
            public <Req extends AsyncRequest> void send(Req request, Function1<AsyncResponse, BoxedUnit> callback) {
                sends.incrementAndGet();
                super.send(request, callback);
            }
        };
        closeAfterTest(c, ZooKeeperClient::close);
        List<AsyncResponse> rs = run(c, new ExistsRequest("/", NONE), new GetChildrenRequest("/", false, NONE),
                new GetDataRequest("/missing-" + System.nanoTime(), NONE));
        assertEquals(3, sends.get(), "one send per request");
        assertEquals(List.of(Code.OK, Code.OK, Code.NONODE),
                rs.stream().map(AsyncResponse::resultCode).collect(Collectors.toList()), "in request order");
    }

    @Test
    void theEventThreadIsNamedAsZooKeepersAndEndsOnClose() throws Exception {
        String name = Thread.currentThread().getName() + "-EventThread";
        ZooKeeperClient c = client();
        assertTrue(threadNames().contains(name), name + " in " + threadNames());
        c.close();
        await("the event thread to end", 5000, () -> !threadNames().contains(name));
    }

    private static Set<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .collect(Collectors.toSet());
    }
}
