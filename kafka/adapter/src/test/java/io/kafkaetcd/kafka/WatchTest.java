package io.kafkaetcd.kafka;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.junit.jupiter.api.Test;

import kafka.zookeeper.DeleteRequest;
import kafka.zookeeper.ExistsRequest;
import kafka.zookeeper.GetChildrenRequest;
import kafka.zookeeper.GetDataRequest;
import kafka.zookeeper.SetDataRequest;
import kafka.zookeeper.ZNodeChangeHandler;
import kafka.zookeeper.ZNodeChildChangeHandler;
import kafka.zookeeper.ZooKeeperClient;
import scala.Option;

/**
 * Watches are armed only by reads of a path with a registered handler (and,
 * for children, registerWatch), are one-shot, and reach the handler registered
 * when they fire.
 */
class WatchTest extends AdapterTestBase {
    private static final Option<Object> NONE = Option.empty();

    /** Records handler calls as "created", "deleted", "changed", "children". */
    static final class Recorder implements ZNodeChangeHandler, ZNodeChildChangeHandler {
        final String path;
        final BlockingQueue<String> calls = new LinkedBlockingQueue<>();

        Recorder(String path) {
            this.path = path;
        }

        @Override public String path() { return path; }
        @Override public void handleCreation() { calls.add("created"); }
        @Override public void handleDeletion() { calls.add("deleted"); }
        @Override public void handleDataChange() { calls.add("changed"); }
        @Override public void handleChildChange() { calls.add("children"); }

        String next() throws InterruptedException {
            String s = calls.poll(10, TimeUnit.SECONDS);
            assertNotNull(s, "no handler call within 10 s on " + path);
            return s;
        }

        void assertQuiet() throws InterruptedException {
            String s = calls.poll(700, TimeUnit.MILLISECONDS);
            assertNull(s, "unexpected handler call on " + path);
        }
    }

    @Test
    void dataWatchesNeedAHandlerAtSendTimeAndAreOneShot() throws Exception {
        ZooKeeperClient c = client();
        ZooKeeperClient other = client();
        String p = unique("w-data");
        other.handleRequest(create(p, null, CreateMode.PERSISTENT));
        Recorder h = new Recorder(p);

        c.handleRequest(new GetDataRequest(p, NONE)); // no handler yet: no watch
        c.registerZNodeChangeHandler(h);
        other.handleRequest(new SetDataRequest(p, new byte[] {1}, -1, NONE));
        h.assertQuiet();

        c.handleRequest(new GetDataRequest(p, NONE)); // armed
        other.handleRequest(new SetDataRequest(p, new byte[] {2}, -1, NONE));
        assertEquals("changed", h.next());
        other.handleRequest(new SetDataRequest(p, new byte[] {3}, -1, NONE));
        h.assertQuiet(); // one-shot until Kafka reads again

        c.handleRequest(new ExistsRequest(p, NONE)); // re-armed by exists
        other.handleRequest(new DeleteRequest(p, -1, NONE));
        assertEquals("deleted", h.next());

        assertEquals(Code.NONODE, c.handleRequest(new ExistsRequest(p, NONE)).resultCode()); // creation watch
        other.handleRequest(create(p, null, CreateMode.PERSISTENT));
        assertEquals("created", h.next());

        c.handleRequest(new GetDataRequest(p, NONE));
        c.unregisterZNodeChangeHandler(p); // the watch is armed, but nobody listens any more
        other.handleRequest(new SetDataRequest(p, new byte[] {4}, -1, NONE));
        h.assertQuiet();
    }

    @Test
    void childWatchesNeedRegisterWatchAndAHandler() throws Exception {
        ZooKeeperClient c = client();
        ZooKeeperClient other = client();
        String p = unique("w-children");
        other.handleRequest(create(p, null, CreateMode.PERSISTENT));
        Recorder h = new Recorder(p);
        c.registerZNodeChildChangeHandler(h);

        c.handleRequest(new GetChildrenRequest(p, false, NONE)); // registerWatch = false
        other.handleRequest(create(p + "/a", null, CreateMode.PERSISTENT));
        h.assertQuiet();

        c.handleRequest(new GetChildrenRequest(p, true, NONE));
        other.handleRequest(create(p + "/b", null, CreateMode.EPHEMERAL));
        assertEquals("children", h.next());

        // A data handler on the same path is not a children handler.
        Recorder data = new Recorder(p);
        c.registerZNodeChangeHandler(data);
        c.handleRequest(new GetChildrenRequest(p, true, NONE));
        other.handleRequest(new DeleteRequest(p + "/a", -1, NONE));
        assertEquals("children", h.next());
        data.assertQuiet();
        assertEquals(List.of(), List.copyOf(h.calls));
    }

    @Test
    void otherReadsAndWritesNeverArmWatches() throws Exception {
        ZooKeeperClient c = client();
        ZooKeeperClient other = client();
        String p = unique("w-none");
        Recorder h = new Recorder(p);
        c.registerZNodeChangeHandler(h);
        c.registerZNodeChildChangeHandler(h);
        c.handleRequest(create(p, null, CreateMode.PERSISTENT));
        c.handleRequest(new SetDataRequest(p, new byte[] {1}, -1, NONE));
        c.handleRequest(new kafka.zookeeper.GetAclRequest(p, NONE));
        other.handleRequest(new SetDataRequest(p, new byte[] {2}, -1, NONE));
        other.handleRequest(create(p + "/x", null, CreateMode.PERSISTENT));
        h.assertQuiet();
    }
}
