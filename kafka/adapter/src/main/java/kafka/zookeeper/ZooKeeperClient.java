package kafka.zookeeper;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.ObjIntConsumer;

import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.metrics.KafkaMetricsGroup;
import org.apache.kafka.server.util.KafkaScheduler;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.yammer.metrics.core.Meter;

import io.kafkaetcd.Code;
import io.kafkaetcd.EventType;
import io.kafkaetcd.KafkaEtcdClient;
import io.kafkaetcd.KeeperException;
import io.kafkaetcd.KeeperState;
import io.kafkaetcd.Request;
import io.kafkaetcd.Response;
import io.kafkaetcd.SessionState;
import io.kafkaetcd.WatchedEvent;
import io.kafkaetcd.kafka.AdapterSettings;
import io.kafkaetcd.kafka.ClientChecks;
import io.kafkaetcd.kafka.Convert;
import scala.Function1;
import scala.collection.Seq;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.BoxedUnit;

/**
 * Kafka 3.9's {@code kafka.zookeeper.ZooKeeperClient}, in Java, over etcd through
 * the io.kafkaetcd API. Same binary name, public members and descriptors as the
 * Scala original (docs/kafka-zookeeperclient-abi.md); a broker loads it instead of
 * the original when our jar comes first on its classpath.
 *
 * <p>A ZooKeeper session is a {@link KafkaEtcdClient} (an etcd lease): on expiry a
 * new one is opened, between the state handlers' before/after callbacks, as the
 * original does with a new {@code ZooKeeper}. No nested classes: only this class
 * may live in Kafka's package (helpers are in io.kafkaetcd.kafka).
 */
public class ZooKeeperClient {
    /** Every broker logs this once per session; the demo greps for it. */
    private static final String BANNER = "kafka-etcd Java ZooKeeperClient (backend: etcd)";
    private static final int RETRY_BACKOFF_MS = 1000;
    /** ZooKeeper's state names of the six meters (the original's stateToMeterMap). */
    private static final String[][] METERS = {
        {"Disconnected", "Disconnects"}, {"SyncConnected", "SyncConnects"}, {"AuthFailed", "AuthFailures"},
        {"ConnectedReadOnly", "ReadOnlyConnects"}, {"SaslAuthenticated", "SaslAuthentications"},
        {"Expired", "Expires"}};

    /** Static forwarder of the Scala companion's {@code RetryBackoffMs}. */
    public static int RetryBackoffMs() {
        return RETRY_BACKOFF_MS;
    }

    private final Logger log = LoggerFactory.getLogger(ZooKeeperClient.class);
    private final String logIdent;
    private final String connectString;
    private final int sessionTimeoutMs;
    private final int connectionTimeoutMs;
    private final Time time;
    private final ZKClientConfig clientConfig;
    private final AdapterSettings settings;

    private final KafkaMetricsGroup metricsGroup;
    private final List<String> metricNames = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Meter> stateToMeter = new HashMap<>();

    /** Read side: sending requests; write side: replacing the session. */
    private final ReentrantReadWriteLock initializationLock = new ReentrantReadWriteLock();
    private final ReentrantLock isConnectedOrExpiredLock = new ReentrantLock();
    private final Condition isConnectedOrExpiredCondition = isConnectedOrExpiredLock.newCondition();

    private final ConcurrentHashMap<String, ZNodeChangeHandler> zNodeChangeHandlers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ZNodeChildChangeHandler> zNodeChildChangeHandlers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, StateChangeHandler> stateChangeHandlers = new ConcurrentHashMap<>();
    private final KafkaScheduler reinitializeScheduler;
    /** A subclass overrides {@link #send}: handleRequests must call it for every request. */
    private final boolean sendOverridden = overridesSend(getClass());

    /** The current session; replaced under the write lock. */
    private volatile KafkaEtcdClient client;
    /**
     * Set when {@link #client} is replaced: events still coming from the old
     * session (its Closed, late watches) must neither reach handlers nor
     * schedule another re-initialization.
     */
    private volatile AtomicBoolean clientRetired = new AtomicBoolean();
    private volatile boolean closing;

    public ZooKeeperClient(String connectString, int sessionTimeoutMs, int connectionTimeoutMs,
                           int maxInFlightRequests, Time time, String metricGroup, String metricType,
                           ZKClientConfig clientConfig, String name) {
        if (maxInFlightRequests < 1) {
            throw new IllegalArgumentException("maxInFlightRequests must be >= 1");
        }
        this.connectString = connectString;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.connectionTimeoutMs = connectionTimeoutMs;
        this.time = time;
        this.clientConfig = clientConfig;
        this.logIdent = "[ZooKeeperClient" + (name == null || name.isEmpty() ? "" : " " + name) + "] ";
        this.settings = AdapterSettings.from(clientConfig);
        ClientChecks.checkConfig(clientConfig);
        // zookeeper.max.in.flight.requests (Kafka's default: 10) protected
        // ZooKeeper's server. Over etcd the engine bounds its etcd traffic
        // itself (write and read batching): a handleRequests hands all its
        // requests to the engine at once, so they fold into few etcd txns.
        // The setting is validated and otherwise unused.
        String threadPrefix = name == null ? "" : name.replaceAll("\\s", "") + "-";
        this.reinitializeScheduler = new KafkaScheduler(1, true, "zk-client-" + threadPrefix + "reinit-");
        this.metricsGroup = new KafkaMetricsGroup(metricGroup, metricType);
        for (String[] m : METERS) {
            String metric = "ZooKeeper" + m[1] + "PerSec";
            stateToMeter.put(m[0], metricsGroup.newMeter(metric, m[1].toLowerCase(Locale.ROOT), TimeUnit.SECONDS));
            metricNames.add(metric);
        }
        log.info("{}{}: initializing a new session to {} ({}).", logIdent, BANNER, connectString, settings);
        metricsGroup.newGauge("SessionState", () -> connectionState().toString());
        metricNames.add("SessionState");
        reinitializeScheduler.startup();
        try {
            AtomicBoolean retired = new AtomicBoolean();
            client = open(retired);
            clientRetired = retired;
            waitUntilConnected(connectionTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (Throwable t) {
            close();
            throw t;
        }
    }

    /** Opens a session, blocking up to connectionTimeoutMs; errors as the original's constructor throws them. */
    private KafkaEtcdClient open(AtomicBoolean retired) {
        try {
            // The event thread is named as ZooKeeper's client names it (Kafka's tests look for it).
            String eventThread = Thread.currentThread().getName().replaceAll("-EventThread", "") + "-EventThread";
            KafkaEtcdClient c = KafkaEtcdClient.open(connectString,
                    settings.clientConfig(sessionTimeoutMs, connectionTimeoutMs).eventThreadName(eventThread),
                    e -> process(e, retired));
            log.info("{}Session 0x{} established with etcd ({} ms timeout).", logIdent,
                    Long.toHexString(c.getSessionId()), c.getSessionTimeout());
            return c;
        } catch (KeeperException e) {
            if (e.code() == Code.AUTHFAILED || e.code() == Code.NOAUTH) {
                // What ZooKeeper reports as an AuthFailed state: counted, handlers told, then thrown.
                authFailed(e);
                throw new ZooKeeperClientAuthFailedException("Auth failed connecting to etcd at " + connectString
                        + " (" + e.code() + ": " + e.getMessage() + ")");
            }
            if (e.code() == Code.BADARGUMENTS) {
                throw new IllegalArgumentException("kafka-etcd: bad connect string '" + connectString + "': "
                        + e.getMessage(), e);
            }
            if (e.code() == Code.DATAINCONSISTENCY) {
                // A store of a layout this build does not read: waiting will not help, say why.
                throw new ZooKeeperClientException("kafka-etcd cannot use the metadata store at " + connectString
                        + ": " + e.getMessage());
            }
            throw new ZooKeeperClientTimeoutException("Timed out waiting for connection to etcd at " + connectString
                    + " (" + e.code() + ": " + e.getMessage() + ")");
        }
    }

    private void authFailed(KeeperException e) {
        log.error("{}Auth failed: {}", logIdent, e.getMessage());
        stateToMeter.get("AuthFailed").mark();
        for (StateChangeHandler h : new ArrayList<>(stateChangeHandlers.values())) {
            try {
                h.onAuthFailure();
            } catch (Throwable t) {
                log.error("{}State change handler {} failed on auth failure", logIdent, h.name(), t);
            }
        }
    }

    public ZKClientConfig clientConfig() {
        return clientConfig;
    }

    public KafkaScheduler reinitializeScheduler() {
        return reinitializeScheduler;
    }

    /** ZooKeeper's view of the session: reconnecting is CONNECTING, expired is CLOSED (not alive). */
    public ZooKeeper.States connectionState() {
        KafkaEtcdClient c = client;
        if (c == null) {
            return ZooKeeper.States.NOT_CONNECTED;
        }
        SessionState s = c.getState();
        if (s == SessionState.CONNECTED) {
            return ZooKeeper.States.CONNECTED;
        }
        if (s == SessionState.CONNECTING || s == SessionState.DISCONNECTED) {
            return ZooKeeper.States.CONNECTING;
        }
        return ZooKeeper.States.CLOSED;
    }

    /** Send one request and wait for its response. */
    public <Req extends AsyncRequest> AsyncResponse handleRequest(Req request) {
        return handleRequests(CollectionConverters.asScala(Collections.singletonList(request))).head();
    }

    /**
     * Sends all the requests at once and waits for all the answers; response i
     * answers request i (KafkaZkClient zips them). The input may be the
     * caller's ArrayBuffer, cleared after the call: copied first.
     *
     * <p>No in-flight limit here (zookeeper.max.in.flight.requests protected
     * ZooKeeper's server): the whole call goes to the engine in ONE native
     * call, before any answer, so its writes and reads fold into few etcd
     * txns (the engine runs at most 8 write and 8 read txns at once and
     * batches what queues behind them). Memory: what this call holds is a
     * constant factor of the call's own requests (the caller's list, one
     * encoded copy while it is handed over, the engine's copy until each is
     * answered, the responses); nothing grows beyond the calls in progress.
     *
     * <p>Unless a subclass overrides {@link #send} (Kafka's tests do): then
     * each request goes through {@code send}, as in the original.
     *
     * <p>An invalid path throws IllegalArgumentException, as ZooKeeper's client
     * does, after the requests before it were sent (see {@link ClientChecks}).
     */
    public <Req extends AsyncRequest> Seq<AsyncResponse> handleRequests(Seq<Req> requests) {
        List<Req> reqs = new ArrayList<>(CollectionConverters.asJava(requests));
        AsyncResponse[] responses = new AsyncResponse[reqs.size()];
        CountDownLatch done = new CountDownLatch(reqs.size());
        ObjIntConsumer<AsyncResponse> answer = (response, i) -> {
            responses[i] = response;
            done.countDown();
        };
        long startNs = System.nanoTime();
        initializationLock.readLock().lock();
        try {
            if (sendOverridden) {
                for (int i = 0; i < reqs.size(); i++) {
                    sendThroughOverride(reqs.get(i), i, answer);
                }
            } else {
                sendAll(reqs, answer);
            }
        } finally {
            initializationLock.readLock().unlock();
        }
        long sentNs = System.nanoTime();
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZooKeeperClientException("interrupted while waiting for responses");
        }
        if (log.isDebugEnabled() && !reqs.isEmpty()) {
            log.debug("{}handleRequests: {} handed to the engine in {} us, all answered after {} us", logIdent,
                    describe(reqs), (sentNs - startNs) / 1000, (System.nanoTime() - startNs) / 1000);
        }
        return CollectionConverters.asScala(new ArrayList<>(Arrays.asList(responses)));
    }

    /** "N requests (GetDataRequest x n, ...)", for the debug log of handleRequests. */
    private static String describe(List<? extends AsyncRequest> reqs) {
        Map<String, Integer> byType = new TreeMap<>();
        for (AsyncRequest r : reqs) {
            byType.merge(r.getClass().getSimpleName(), 1, Integer::sum);
        }
        StringBuilder sb = new StringBuilder().append(reqs.size()).append(" requests (");
        String sep = "";
        for (Map.Entry<String, Integer> e : byType.entrySet()) {
            sb.append(sep).append(e.getKey()).append(" x").append(e.getValue());
            sep = ", ";
        }
        return sb.append(')').toString();
    }

    /** One request through the subclass's {@code send}. */
    private void sendThroughOverride(AsyncRequest request, int index, ObjIntConsumer<AsyncResponse> answer) {
        send(request, (Function1<AsyncResponse, BoxedUnit>) response -> {
            answer.accept(response, index);
            return BoxedUnit.UNIT;
        });
    }

    /** Asynchronously sends one request; the callback gets exactly one response (on the session's event thread). */
    public <Req extends AsyncRequest> void send(Req request, Function1<AsyncResponse, BoxedUnit> callback) {
        sendAll(Collections.singletonList(request), (response, i) -> callback.apply(response));
    }

    /**
     * Submits all {@code requests} in one native call. Each answer comes back
     * on the session's event thread, in request order, and goes to
     * {@code callback} with the request's index (which travels as the etcd
     * request's context). A multi that ZooKeeper's client would refuse is
     * answered here at once. If request k is invalid, [0, k) are sent, then
     * the IllegalArgumentException is thrown.
     */
    private void sendAll(List<? extends AsyncRequest> requests, ObjIntConsumer<AsyncResponse> callback) {
        long sendTimeMs = time.hiResClockMs();
        List<Request> batch = new ArrayList<>(requests.size());
        List<AsyncResponse> refused = new ArrayList<>();
        List<Integer> refusedAt = new ArrayList<>();
        RuntimeException invalid = null;
        for (int i = 0; i < requests.size(); i++) {
            AsyncRequest r = requests.get(i);
            try {
                Seq<ZkOpResult> multiErrors = ClientChecks.check(r);
                if (multiErrors != null) {
                    refused.add(new MultiResponse(org.apache.zookeeper.KeeperException.Code.BADARGUMENTS, r.path(),
                            r.ctx(), multiErrors, new ResponseMetadata(sendTimeMs, time.hiResClockMs())));
                    refusedAt.add(i);
                    continue;
                }
                batch.add(Convert.toEtcd(r, isWatchable(r) && shouldWatch(r)).withContext(i));
            } catch (RuntimeException e) {
                invalid = e;
                break;
            }
        }
        if (!batch.isEmpty()) {
            client.submitBatch(batch, (Response r) -> answer(requests, r, sendTimeMs, callback));
        }
        for (int k = 0; k < refused.size(); k++) {
            callback.accept(refused.get(k), refusedAt.get(k));
        }
        if (invalid != null) {
            throw invalid;
        }
    }

    private void answer(List<? extends AsyncRequest> requests, Response r, long sendTimeMs,
                        ObjIntConsumer<AsyncResponse> callback) {
        int i = (Integer) r.ctx();
        AsyncRequest request = requests.get(i);
        AsyncResponse response;
        try {
            response = Convert.toKafka(request, r, new ResponseMetadata(sendTimeMs, time.hiResClockMs()));
        } catch (RuntimeException e) {
            // Never leave handleRequests waiting: answer with an error instead.
            log.error("{}Cannot convert the answer to {}", logIdent, request, e);
            response = Convert.error(request, org.apache.zookeeper.KeeperException.Code.SYSTEMERROR,
                    new ResponseMetadata(sendTimeMs, time.hiResClockMs()));
        }
        callback.accept(response, i);
    }

    /** True when {@code c} (a subclass, as in Kafka's tests) overrides {@code send}. */
    private static boolean overridesSend(Class<?> c) {
        try {
            return c.getMethod("send", AsyncRequest.class, Function1.class).getDeclaringClass() != ZooKeeperClient.class;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    private static boolean isWatchable(AsyncRequest r) {
        return r instanceof GetDataRequest || r instanceof ExistsRequest || r instanceof GetChildrenRequest;
    }

    /** A read arms a watch only if a handler is registered for exactly that path. */
    private boolean shouldWatch(AsyncRequest request) {
        if (request instanceof GetChildrenRequest) {
            return ((GetChildrenRequest) request).registerWatch() && zNodeChildChangeHandlers.containsKey(request.path());
        }
        if (request instanceof ExistsRequest || request instanceof GetDataRequest) {
            return zNodeChangeHandlers.containsKey(request.path());
        }
        throw new IllegalArgumentException("Request " + request + " is not watchable");
    }

    /** Blocks until connected; throws if the session expired/closed (the original's contract). */
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
                if (nanos <= 0) {
                    throw new ZooKeeperClientTimeoutException("Timed out waiting for connection while in state: " + state);
                }
                // Woken by every state event; the 1 s slices are only a safety net.
                long slice = Math.min(nanos, TimeUnit.SECONDS.toNanos(1));
                try {
                    nanos -= slice - isConnectedOrExpiredCondition.awaitNanos(slice);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ZooKeeperClientException("interrupted while waiting for connection");
                }
                state = connectionState();
            }
            if (state == ZooKeeper.States.AUTH_FAILED) {
                throw new ZooKeeperClientAuthFailedException("Auth failed either before or while waiting for connection");
            }
            if (state == ZooKeeper.States.CLOSED) {
                throw new ZooKeeperClientExpiredException("Session expired either before or while waiting for connection");
            }
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
            if (handler != null) {
                stateChangeHandlers.put(handler.name(), handler);
            }
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

    /** Ends the session (its ephemeral nodes go at once), drops the handlers and the metrics. */
    public void close() {
        log.info("{}Closing.", logIdent);
        closing = true; // stops a re-initialization that keeps failing
        // Scheduler first and outside the lock: a pending re-initialization may be waiting for it.
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
            KafkaEtcdClient c = client;
            if (c != null) {
                c.close();
            }
            synchronized (metricNames) {
                for (String m : metricNames) {
                    metricsGroup.removeMetric(m);
                }
                metricNames.clear();
            }
        } finally {
            initializationLock.writeLock().unlock();
        }
        log.info("{}Closed.", logIdent);
    }

    /** The session id: the etcd lease id, which is also the ephemeralOwner of this session's nodes. */
    public long sessionId() {
        initializationLock.readLock().lock();
        try {
            KafkaEtcdClient c = client;
            return c == null ? 0L : c.getSessionId();
        } finally {
            initializationLock.readLock().unlock();
        }
    }

    /** There is no ZooKeeper handle; only Kafka's ZooKeeper ACL migration tool asks for one. */
    public ZooKeeper currentZooKeeper() {
        throw new UnsupportedOperationException("kafka-etcd: there is no ZooKeeper handle over etcd "
                + "(currentZooKeeper is only used by zookeeper-security-migration, which does not apply to etcd)");
    }

    private void reinitialize() {
        // Callbacks run outside the lock: they may send requests, which take the read lock.
        for (StateChangeHandler h : new ArrayList<>(stateChangeHandlers.values())) {
            callHandler(h, true);
        }
        initializationLock.writeLock().lock();
        try {
            if (!connectionState().isAlive()) {
                clientRetired.set(true);
                KafkaEtcdClient old = client;
                if (old != null) {
                    old.close();
                }
                log.info("{}Initializing a new session to {}.", logIdent, connectString);
                while (!closing) {
                    try {
                        AtomicBoolean retired = new AtomicBoolean();
                        client = open(retired);
                        clientRetired = retired;
                        break;
                    } catch (RuntimeException e) {
                        log.info("{}Error when recreating the session, retrying after a short sleep", logIdent, e);
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
        if (closing) {
            return; // no session to initialize: a broker would try to re-register on a closed client
        }
        for (StateChangeHandler h : new ArrayList<>(stateChangeHandlers.values())) {
            callHandler(h, false);
        }
    }

    /** Closes the session and starts a new one (tests use it to simulate an expiry). */
    public void forceReinitialize() {
        KafkaEtcdClient c = client;
        if (c != null) {
            c.close();
        }
        reinitialize();
    }

    private void callHandler(StateChangeHandler h, boolean before) {
        try {
            if (before) {
                h.beforeInitializingSession();
            } else {
                h.afterInitializingSession();
            }
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

    /** Watch and session events of one session, on that session's event thread. */
    private void process(WatchedEvent event, AtomicBoolean retired) {
        if (retired.get()) {
            return;
        }
        log.debug("{}Received event: {}", logIdent, event);
        if (event.getType() == EventType.None) {
            KeeperState state = event.getState();
            Meter m = stateToMeter.get(state.name());
            if (m != null) {
                m.mark();
            }
            isConnectedOrExpiredLock.lock();
            try {
                isConnectedOrExpiredCondition.signalAll();
            } finally {
                isConnectedOrExpiredLock.unlock();
            }
            if (state == KeeperState.Expired && !closing) {
                try {
                    scheduleReinitialize("session-expired", "Session expired.", 0L);
                } catch (IllegalStateException e) {
                    log.info("{}Session expired while closing: not re-initializing", logIdent);
                }
            }
            return;
        }
        String path = event.getPath();
        EventType type = event.getType();
        if (type == EventType.NodeChildrenChanged) {
            ZNodeChildChangeHandler h = zNodeChildChangeHandlers.get(path);
            if (h != null) {
                h.handleChildChange();
            }
            return;
        }
        ZNodeChangeHandler h = zNodeChangeHandlers.get(path);
        if (h == null) {
            return;
        }
        if (type == EventType.NodeCreated) {
            h.handleCreation();
        } else if (type == EventType.NodeDeleted) {
            h.handleDeletion();
        } else if (type == EventType.NodeDataChanged) {
            h.handleDataChange();
        }
    }
}
