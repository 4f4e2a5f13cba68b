package kafka.zookeeper;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.metrics.KafkaMetricsGroup;
import org.apache.kafka.server.util.KafkaScheduler;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.yammer.metrics.core.Meter;

import scala.Function1;
import scala.Option;
import scala.collection.Seq;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.BoxedUnit;

/**
 * Java replacement for Kafka 3.9's Scala {@code kafka.zookeeper.ZooKeeperClient},
 * here still backed by the stock ZooKeeper client. Same binary name, same public
 * members and descriptors (docs/kafka-zookeeperclient-abi.md,
 * kafka/abi/ZooKeeperClient.members); loaded instead of the original because its jar
 * comes first on the broker classpath.
 *
 * <p>The etcd adapter keeps this class's shape and replaces every use of {@link #zk}
 * (the async ZooKeeper calls in {@link #send}, session handling in the watcher and
 * {@link #reinitialize}) with our Java API.
 */
public class ZooKeeperClient {
    /** Marker the demo looks for in the broker log to prove this class was loaded. */
    public static final String IMPL_BANNER = "kafka-etcd Java ZooKeeperClient (backend: zookeeper)";

    private static final int RETRY_BACKOFF_MS = 1000;

    /** Static forwarder of the Scala companion's {@code ZooKeeperClient$.MODULE$.RetryBackoffMs()}. */
    public static int RetryBackoffMs() {
        return RETRY_BACKOFF_MS;
    }

    private final Logger log = LoggerFactory.getLogger(ZooKeeperClient.class);
    private final String logIdent;

    private final String connectString;
    private final int sessionTimeoutMs;
    private final Time time;
    private final ZKClientConfig clientConfig;

    private final KafkaMetricsGroup metricsGroup;
    private final List<String> metricNames = Collections.synchronizedList(new ArrayList<>());
    private final Map<KeeperState, Meter> stateToMeter = new EnumMap<>(KeeperState.class);

    private final ReentrantReadWriteLock initializationLock = new ReentrantReadWriteLock();
    private final ReentrantLock isConnectedOrExpiredLock = new ReentrantLock();
    private final Condition isConnectedOrExpiredCondition = isConnectedOrExpiredLock.newCondition();
    private boolean isFirstConnectionEstablished = false; // guarded by isConnectedOrExpiredLock

    private final ConcurrentHashMap<String, ZNodeChangeHandler> zNodeChangeHandlers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ZNodeChildChangeHandler> zNodeChildChangeHandlers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, StateChangeHandler> stateChangeHandlers = new ConcurrentHashMap<>();
    private final Semaphore inFlightRequests;
    private final KafkaScheduler reinitializeScheduler;
    private final Watcher watcher = this::process;

    private volatile ZooKeeper zk;

    public ZooKeeperClient(String connectString, int sessionTimeoutMs, int connectionTimeoutMs,
                           int maxInFlightRequests, Time time, String metricGroup, String metricType,
                           ZKClientConfig clientConfig, String name) {
        this.connectString = connectString;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.time = time;
        this.clientConfig = clientConfig;
        this.logIdent = "[ZooKeeperClient" + (name == null || name.isEmpty() ? "" : " " + name) + "] ";
        if (maxInFlightRequests < 1)
            throw new IllegalArgumentException("maxInFlightRequests must be >= 1");
        this.inFlightRequests = new Semaphore(maxInFlightRequests);
        String threadPrefix = name == null ? "" : name.replaceAll("\\s", "") + "-";
        this.reinitializeScheduler = new KafkaScheduler(1, true, "zk-client-" + threadPrefix + "reinit-");
        this.metricsGroup = new KafkaMetricsGroup(metricGroup, metricType);
        String[][] meters = {
            {"Disconnected", "Disconnects"}, {"SyncConnected", "SyncConnects"}, {"AuthFailed", "AuthFailures"},
            {"ConnectedReadOnly", "ReadOnlyConnects"}, {"SaslAuthenticated", "SaslAuthentications"},
            {"Expired", "Expires"}};
        for (String[] m : meters) {
            String metric = "ZooKeeper" + m[1] + "PerSec";
            stateToMeter.put(KeeperState.valueOf(m[0]),
                metricsGroup.newMeter(metric, m[1].toLowerCase(Locale.ROOT), TimeUnit.SECONDS));
            metricNames.add(metric);
        }

        log.info("{}{}: initializing a new session to {}.", logIdent, IMPL_BANNER, connectString);
        try {
            zk = new ZooKeeper(connectString, sessionTimeoutMs, watcher, clientConfig);
        } catch (java.io.IOException e) {
            throw new ZooKeeperClientException("cannot create ZooKeeper client: " + e);
        }
        metricsGroup.newGauge("SessionState", () -> connectionState().toString());
        metricNames.add("SessionState");
        reinitializeScheduler.startup();
        try {
            waitUntilConnected(connectionTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (Throwable t) {
            close();
            throw t;
        }
    }

    public ZKClientConfig clientConfig() {
        return clientConfig;
    }

    public KafkaScheduler reinitializeScheduler() {
        return reinitializeScheduler;
    }

    public ZooKeeper.States connectionState() {
        return zk.getState();
    }

    /** Send one request and wait for its response. */
    public <Req extends AsyncRequest> AsyncResponse handleRequest(Req request) {
        return handleRequests(CollectionConverters.asScala(Collections.singletonList(request))).head();
    }

    /**
     * Send the requests pipelined (at most maxInFlightRequests outstanding) and wait
     * for all the responses; response i answers request i. The input may be any
     * scala.collection.Seq (KafkaZkClient passes a mutable.ArrayBuffer that it clears
     * afterwards), so it is copied before anything else; the result is a fresh
     * mutable.Buffer, like the original's.
     */
    public <Req extends AsyncRequest> Seq<AsyncResponse> handleRequests(Seq<Req> requests) {
        List<Req> reqs = new ArrayList<>(CollectionConverters.asJava(requests));
        if (reqs.isEmpty())
            return CollectionConverters.asScala(new ArrayList<AsyncResponse>());
        AtomicReferenceArray<AsyncResponse> responses = new AtomicReferenceArray<>(reqs.size());
        CountDownLatch done = new CountDownLatch(reqs.size());
        for (int i = 0; i < reqs.size(); i++) {
            final int idx = i;
            inFlightRequests.acquireUninterruptibly();
            try {
                initializationLock.readLock().lock();
                try {
                    send(reqs.get(i), (Function1<AsyncResponse, BoxedUnit>) response -> {
                        responses.set(idx, response);
                        inFlightRequests.release();
                        done.countDown();
                        return BoxedUnit.UNIT;
                    });
                } finally {
                    initializationLock.readLock().unlock();
                }
            } catch (RuntimeException | Error e) {
                inFlightRequests.release();
                throw e;
            }
        }
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZooKeeperClientException("interrupted while waiting for responses");
        }
        List<AsyncResponse> out = new ArrayList<>(reqs.size());
        for (int i = 0; i < reqs.size(); i++) out.add(responses.get(i));
        return CollectionConverters.asScala(out);
    }

    private ResponseMetadata responseMetadata(long sendTimeMs) {
        return new ResponseMetadata(sendTimeMs, time.hiResClockMs());
    }

    private static Option<Object> opt(Object ctx) {
        return Option.apply(ctx);
    }

    private static <T> Seq<T> seqOrEmpty(List<T> list) {
        return CollectionConverters.asScala(list == null ? new ArrayList<T>() : new ArrayList<>(list));
    }

    /**
     * Asynchronously send a request; the callback gets exactly one response. Callers
     * hold the initialization read lock (handleRequests does).
     */
    public <Req extends AsyncRequest> void send(Req request, Function1<AsyncResponse, BoxedUnit> callback) {
        final long sendTimeMs = time.hiResClockMs();
        final ZooKeeper z = zk;
        final Object ctx = request.ctx().isDefined() ? request.ctx().get() : null;
        if (request instanceof ExistsRequest) {
            z.exists(request.path(), shouldWatch(request), (rc, path, c, stat) ->
                callback.apply(new ExistsResponse(Code.get(rc), path, opt(c), stat, responseMetadata(sendTimeMs))), ctx);
        } else if (request instanceof GetDataRequest) {
            z.getData(request.path(), shouldWatch(request), (rc, path, c, data, stat) ->
                callback.apply(new GetDataResponse(Code.get(rc), path, opt(c), data, stat, responseMetadata(sendTimeMs))), ctx);
        } else if (request instanceof GetChildrenRequest) {
            z.getChildren(request.path(), shouldWatch(request), (rc, path, c, children, stat) ->
                callback.apply(new GetChildrenResponse(Code.get(rc), path, opt(c), seqOrEmpty(children), stat,
                    responseMetadata(sendTimeMs))), ctx);
        } else if (request instanceof CreateRequest) {
            CreateRequest r = (CreateRequest) request;
            z.create(r.path(), r.data(), CollectionConverters.asJava(r.acl()), r.createMode(),
                (org.apache.zookeeper.AsyncCallback.StringCallback) (rc, path, c, name) ->
                    callback.apply(new CreateResponse(Code.get(rc), path, opt(c), name, responseMetadata(sendTimeMs))), ctx);
        } else if (request instanceof SetDataRequest) {
            SetDataRequest r = (SetDataRequest) request;
            z.setData(r.path(), r.data(), r.version(), (rc, path, c, stat) ->
                callback.apply(new SetDataResponse(Code.get(rc), path, opt(c), stat, responseMetadata(sendTimeMs))), ctx);
        } else if (request instanceof DeleteRequest) {
            DeleteRequest r = (DeleteRequest) request;
            z.delete(r.path(), r.version(), (rc, path, c) ->
                callback.apply(new DeleteResponse(Code.get(rc), path, opt(c), responseMetadata(sendTimeMs))), ctx);
        } else if (request instanceof GetAclRequest) {
            z.getACL(request.path(), null, (rc, path, c, acl, stat) ->
                callback.apply(new GetAclResponse(Code.get(rc), path, opt(c), seqOrEmpty(acl), stat,
                    responseMetadata(sendTimeMs))), ctx);
        } else if (request instanceof SetAclRequest) {
            SetAclRequest r = (SetAclRequest) request;
            z.setACL(r.path(), CollectionConverters.asJava(r.acl()), r.version(), (rc, path, c, stat) ->
                callback.apply(new SetAclResponse(Code.get(rc), path, opt(c), stat, responseMetadata(sendTimeMs))), ctx);
        } else if (request instanceof MultiRequest) {
            MultiRequest r = (MultiRequest) request;
            List<ZkOp> ops = new ArrayList<>(CollectionConverters.asJava(r.zkOps()));
            List<Op> zkOps = new ArrayList<>(ops.size());
            for (ZkOp op : ops) zkOps.add(op.toZookeeperOp());
            z.multi(zkOps, (rc, path, c, opResults) -> {
                Seq<ZkOpResult> results = null;
                if (opResults != null) {
                    List<ZkOpResult> rs = new ArrayList<>(opResults.size());
                    for (int i = 0; i < Math.min(ops.size(), opResults.size()); i++)
                        rs.add(new ZkOpResult(ops.get(i), opResults.get(i)));
                    results = CollectionConverters.asScala(rs);
                }
                callback.apply(new MultiResponse(Code.get(rc), path, opt(c), results, responseMetadata(sendTimeMs)));
            }, ctx);
        } else {
            throw new IllegalArgumentException("unsupported request " + request);
        }
    }

    /** A read arms a watch only if a handler is registered for exactly that path. */
    private boolean shouldWatch(AsyncRequest request) {
        if (request instanceof GetChildrenRequest)
            return ((GetChildrenRequest) request).registerWatch() && zNodeChildChangeHandlers.containsKey(request.path());
        if (request instanceof ExistsRequest || request instanceof GetDataRequest)
            return zNodeChangeHandlers.containsKey(request.path());
        throw new IllegalArgumentException("Request " + request + " is not watchable");
    }

    /** Block until connected; throws if the session is closed/expired or auth failed. */
    public void waitUntilConnected() {
        waitUntilConnected(Long.MAX_VALUE, TimeUnit.MILLISECONDS);
    }

    private void waitUntilConnected(long timeout, TimeUnit unit) {
        log.info("{}Waiting until connected.", logIdent);
        long nanos = unit.toNanos(timeout);
        isConnectedOrExpiredLock.lock();
        try {
            ZooKeeper.States state = connectionState();
            while (!state.isConnected() && state.isAlive()) {
                if (nanos <= 0)
                    throw new ZooKeeperClientTimeoutException("Timed out waiting for connection while in state: " + state);
                try {
                    nanos = isConnectedOrExpiredCondition.awaitNanos(nanos);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ZooKeeperClientException("interrupted while waiting for connection");
                }
                state = connectionState();
            }
            if (state == ZooKeeper.States.AUTH_FAILED)
                throw new ZooKeeperClientAuthFailedException("Auth failed either before or while waiting for connection");
            if (state == ZooKeeper.States.CLOSED)
                throw new ZooKeeperClientExpiredException("Session expired either before or while waiting for connection");
            isFirstConnectionEstablished = true;
        } finally {
            isConnectedOrExpiredLock.unlock();
        }
        log.info("{}Connected.", logIdent);
    }

    public void registerZNodeChangeHandler(ZNodeChangeHandler handler) {
        zNodeChangeHandlers.put(handler.path(), handler);
    }

    public void unregisterZNodeChangeHandler(String path) {
        zNodeChangeHandlers.remove(path);
    }

    public void registerZNodeChildChangeHandler(ZNodeChildChangeHandler handler) {
        zNodeChildChangeHandlers.put(handler.path(), handler);
    }

    public void unregisterZNodeChildChangeHandler(String path) {
        zNodeChildChangeHandlers.remove(path);
    }

    public void registerStateChangeHandler(StateChangeHandler handler) {
        initializationLock.readLock().lock();
        try {
            if (handler != null) stateChangeHandlers.put(handler.name(), handler);
        } finally {
            initializationLock.readLock().unlock();
        }
    }

    public void unregisterStateChangeHandler(String name) {
        initializationLock.readLock().lock();
        try {
            stateChangeHandlers.remove(name);
        } finally {
            initializationLock.readLock().unlock();
        }
    }

    public void close() {
        log.info("{}Closing.", logIdent);
        // Scheduler first and outside the lock: a pending re-initialization may wait for it.
        try {
            reinitializeScheduler.shutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        initializationLock.writeLock().lock();
        try {
            zNodeChangeHandlers.clear();
            zNodeChildChangeHandlers.clear();
            stateChangeHandlers.clear();
            try {
                zk.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (metricNames) {
                for (String m : metricNames) metricsGroup.removeMetric(m);
                metricNames.clear();
            }
        } finally {
            initializationLock.writeLock().unlock();
        }
        log.info("{}Closed.", logIdent);
    }

    public long sessionId() {
        initializationLock.readLock().lock();
        try {
            return zk.getSessionId();
        } finally {
            initializationLock.readLock().unlock();
        }
    }

    /** The raw handle; only ZkSecurityMigrator uses it (through KafkaZkClient.currentZooKeeper). */
    public ZooKeeper currentZooKeeper() {
        initializationLock.readLock().lock();
        try {
            return zk;
        } finally {
            initializationLock.readLock().unlock();
        }
    }

    private void reinitialize() {
        // Callbacks run outside the lock: they may issue requests, which take the read lock.
        for (StateChangeHandler h : new ArrayList<>(stateChangeHandlers.values())) callBeforeInitializingSession(h);
        initializationLock.writeLock().lock();
        try {
            if (!connectionState().isAlive()) {
                try {
                    zk.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                log.info("{}Initializing a new session to {}.", logIdent, connectString);
                boolean connected = false;
                while (!connected) {
                    try {
                        zk = new ZooKeeper(connectString, sessionTimeoutMs, watcher, clientConfig);
                        connected = true;
                    } catch (Exception e) {
                        log.info("{}Error when recreating ZooKeeper, retrying after a short sleep", logIdent, e);
                        try {
                            Thread.sleep(RETRY_BACKOFF_MS);
                        } catch (InterruptedException ie) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                }
            }
        } finally {
            initializationLock.writeLock().unlock();
        }
        for (StateChangeHandler h : new ArrayList<>(stateChangeHandlers.values())) callAfterInitializingSession(h);
    }

    /** Close the current session and start a new one (tests use it to simulate expiry). */
    public void forceReinitialize() {
        try {
            zk.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reinitialize();
    }

    private void callBeforeInitializingSession(StateChangeHandler h) {
        try {
            h.beforeInitializingSession();
        } catch (Throwable t) {
            log.error("{}Uncaught error in handler {}", logIdent, h.name(), t);
        }
    }

    private void callAfterInitializingSession(StateChangeHandler h) {
        try {
            h.afterInitializingSession();
        } catch (Throwable t) {
            log.error("{}Uncaught error in handler {}", logIdent, h.name(), t);
        }
    }

    public void scheduleReinitialize(String name, String message, long delayMs) {
        reinitializeScheduler.scheduleOnce(name, () -> {
            log.info("{}{}", logIdent, message);
            reinitialize();
        }, delayMs);
    }

    /** The session watcher: connection-state changes and znode events. */
    private void process(WatchedEvent event) {
        log.debug("{}Received event: {}", logIdent, event);
        String path = event.getPath();
        if (path == null) {
            KeeperState state = event.getState();
            Meter m = stateToMeter.get(state);
            if (m != null) m.mark();
            isConnectedOrExpiredLock.lock();
            try {
                isConnectedOrExpiredCondition.signalAll();
            } finally {
                isConnectedOrExpiredLock.unlock();
            }
            if (state == KeeperState.AuthFailed) {
                log.error("{}Auth failed, connectionState={}", logIdent, connectionState());
                for (StateChangeHandler h : new ArrayList<>(stateChangeHandlers.values())) h.onAuthFailure();
                boolean initialized;
                isConnectedOrExpiredLock.lock();
                try {
                    initialized = isFirstConnectionEstablished;
                } finally {
                    isConnectedOrExpiredLock.unlock();
                }
                if (initialized && !connectionState().isAlive())
                    scheduleReinitialize("auth-failed", "Reinitializing due to auth failure.", RETRY_BACKOFF_MS);
            } else if (state == KeeperState.Expired) {
                scheduleReinitialize("session-expired", "Session expired.", 0L);
            }
            return;
        }
        switch (event.getType()) {
            case NodeChildrenChanged: {
                ZNodeChildChangeHandler h = zNodeChildChangeHandlers.get(path);
                if (h != null) h.handleChildChange();
                break;
            }
            case NodeCreated: {
                ZNodeChangeHandler h = zNodeChangeHandlers.get(path);
                if (h != null) h.handleCreation();
                break;
            }
            case NodeDeleted: {
                ZNodeChangeHandler h = zNodeChangeHandlers.get(path);
                if (h != null) h.handleDeletion();
                break;
            }
            case NodeDataChanged: {
                ZNodeChangeHandler h = zNodeChangeHandlers.get(path);
                if (h != null) h.handleDataChange();
                break;
            }
            default:
                break;
        }
    }
}
