package io.kafkaetcd;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ZooKeeper-style client over etcd: one session, znodes, one-shot watches.
 *
 * <p>Asynchronous requests ({@link #submit}, {@link #submitBatch}) are
 * pipelined: they return at once and their answers come back on this
 * client's dispatcher thread ({@code kafka-etcd-event-N}) in request order,
 * interleaved with watch and state events in the order they happened. A
 * watch event is delivered before the answer to any later read that already
 * sees the change. Blocking methods throw {@link KeeperException} like
 * ZooKeeper's; they may be called from callbacks too.
 *
 * <p>After {@link #close()}: blocking methods throw
 * {@link KeeperException.SessionExpiredException} ("client is closed", as
 * ZooKeeper answers SESSIONEXPIRED on a closed handle); asynchronous ones
 * answer SESSIONEXPIRED at once on the calling thread. No dispatcher
 * callback or event runs once close() has returned.
 *
 * <p>Thread-safe. The dispatcher thread is a daemon, so a JVM that never
 * closes the client still exits (the session then expires on etcd).
 */
public final class KafkaEtcdClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaEtcdClient.class);

    private final long handle;
    private final long sessionId;
    private final int sessionTimeoutMs;
    private final int requestTimeoutMs;
    private final Dispatcher dispatcher;

    /** Held while requests get their sequence numbers and reach the native queue. */
    private final Object submitLock = new Object();
    /** The next request's sequence number; the native side counts the same way. */
    private long nextSeq;
    private volatile boolean closed;
    private final AtomicBoolean closeStarted = new AtomicBoolean();
    private final CountDownLatch closeDone = new CountDownLatch(1);

    private KafkaEtcdClient(long handle, int requestTimeoutMs, Watcher watcher, String threadName)
            throws KeeperException {
        this.handle = handle;
        this.requestTimeoutMs = requestTimeoutMs;
        this.sessionId = NativeClient.sessionId(handle);
        this.sessionTimeoutMs = NativeClient.sessionTimeoutMs(handle);
        this.dispatcher = new Dispatcher(handle, watcher, threadName);
    }

    /**
     * Connects to {@code host:port[,host:port...][/chroot]} and opens a session,
     * blocking up to the connect timeout. The default watcher (may be null)
     * gets every watch event and state change, SyncConnected first.
     *
     * @throws KeeperException CONNECTIONLOSS if etcd cannot be reached, BADARGUMENTS for a bad connect string
     *     or incomplete TLS settings, AUTHFAILED when etcd refuses the user or password, requires authentication
     *     or TLS, or a certificate is refused (the message names the endpoint and the cause), NOAUTH when the
     *     etcd user has no permission on the namespace, DATAINCONSISTENCY when the namespace's store has a key
     *     layout this build does not read (written by a newer kafka-etcd, or a corrupt layout version key; the
     *     message names the stored version and the ones this build reads)
     * @throws UnsatisfiedLinkError if the native library cannot be loaded (the message says why and where it looked)
     */
    public static KafkaEtcdClient open(String connectString, ClientConfig config, Watcher defaultWatcher)
            throws KeeperException {
        if (connectString == null) {
            throw new IllegalArgumentException("connectString cannot be null");
        }
        ClientConfig c = config != null ? config : new ClientConfig();
        NativeLoader.load();
        long handle = NativeClient.open(connectString, c.sessionTimeoutMs(), c.connectTimeoutMs(),
                c.requestTimeoutMs(), c.namespace(), c.maxDataBytes(), c.maxInFlight(), c.encodeSecurity());
        KafkaEtcdClient client;
        try {
            client = new KafkaEtcdClient(handle, c.requestTimeoutMs(), defaultWatcher, c.eventThreadName());
        } catch (KeeperException | RuntimeException e) {
            NativeClient.close(handle);
            throw e;
        }
        client.dispatcher.start();
        return client;
    }

    public static KafkaEtcdClient open(String connectString) throws KeeperException {
        return open(connectString, new ClientConfig(), null);
    }

    // ---- asynchronous -----------------------------------------------------

    /** Submits one request; the future completes on the dispatcher thread with the answer (errors included). */
    public CompletableFuture<Response> submit(Request request) {
        CompletableFuture<Response> f = new CompletableFuture<>();
        enqueue(Collections.singletonList(request), f::complete);
        return f;
    }

    /** Submits one request; {@code callback} runs on the dispatcher thread, in request order. */
    public void submit(Request request, ResponseCallback callback) {
        enqueue(Collections.singletonList(request), callback);
    }

    /** Submits many requests in one native call; answers come in request order. */
    public List<CompletableFuture<Response>> submitBatch(List<Request> requests) {
        if (requests == null) {
            throw new IllegalArgumentException("requests cannot be null");
        }
        List<CompletableFuture<Response>> futures = new ArrayList<>(requests.size());
        List<ResponseCallback> callbacks = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            CompletableFuture<Response> f = new CompletableFuture<>();
            futures.add(f);
            callbacks.add(f::complete);
        }
        enqueue(requests, callbacks);
        return futures;
    }

    /** Submits many requests in one native call; {@code callback} gets each answer, in request order. */
    public void submitBatch(List<Request> requests, ResponseCallback callback) {
        if (requests == null) {
            throw new IllegalArgumentException("requests cannot be null");
        }
        enqueue(requests, Collections.nCopies(requests.size(), callback));
    }

    private void enqueue(List<Request> requests, ResponseCallback callback) {
        enqueue(requests, Collections.singletonList(callback));
    }

    /** Queues {@code requests}; {@code callbacks} has one entry per request. */
    private void enqueue(List<Request> requests, List<ResponseCallback> callbacks) {
        if (callbacks.contains(null)) {
            throw new IllegalArgumentException("callback cannot be null");
        }
        if (requests.isEmpty()) {
            return;
        }
        byte[] encoded = Wire.encodeBatch(requests); // rejects null requests before anything is queued
        long now = nowMs();
        int n = requests.size();
        Code refused = Code.SESSIONEXPIRED;
        String why = "client is closed";
        synchronized (submitLock) {
            if (!closed) {
                long first = nextSeq;
                for (int i = 0; i < n; i++) {
                    // Registered first: the answer may be polled before submit returns.
                    dispatcher.register(first + i, new Dispatcher.Pending(requests.get(i), callbacks.get(i), now));
                }
                try {
                    long got = NativeClient.submit(handle, encoded);
                    if (got != first) {
                        throw new IllegalStateException("kafka-etcd: native sequence " + got + " != expected " + first);
                    }
                    nextSeq = first + n;
                    return;
                } catch (KeeperException | RuntimeException e) {
                    for (int i = 0; i < n; i++) {
                        dispatcher.unregister(first + i);
                    }
                    if (e instanceof RuntimeException) {
                        throw (RuntimeException) e;
                    }
                    refused = ((KeeperException) e).code();
                    why = e.getMessage();
                }
            }
        }
        // Outside the lock: these callbacks run on the calling thread.
        answerNow(requests, callbacks, refused, why, now);
    }

    /** Answers on the calling thread, as ZooKeeper does for a closed handle. */
    private static void answerNow(List<Request> requests, List<ResponseCallback> callbacks, Code code, String message,
                                  long now) {
        for (int i = 0; i < requests.size(); i++) {
            Dispatcher.invoke(callbacks.get(i),
                    Response.failed(requests.get(i), code, message, now));
        }
    }

    // ---- blocking ---------------------------------------------------------

    /**
     * Runs one request and waits for its answer (errors are answers: see
     * {@link Response#code()}). On the dispatcher thread (inside a callback)
     * it runs the request directly instead of through the queue that thread
     * is busy draining, so it cannot deadlock.
     */
    public Response execute(Request request) throws InterruptedException {
        if (dispatcher.isCurrentThread()) {
            return callDirect(request);
        }
        try {
            return submit(request).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("kafka-etcd: response future failed", e.getCause());
        }
    }

    private Response callDirect(Request request) {
        byte[] encoded = Wire.encodeOne(request);
        long sent = nowMs();
        if (closed) {
            return Response.failed(request, Code.SESSIONEXPIRED, "client is closed", sent);
        }
        byte[] record;
        try {
            record = NativeClient.call(handle, encoded);
        } catch (KeeperException e) {
            return Response.failed(request, e.code(), e.getMessage(), sent);
        }
        ByteBuffer b = ByteBuffer.wrap(record);
        b.get(); // COMPLETION
        b.getLong(); // seq -1
        return Wire.readResponse(b, request, sent, nowMs());
    }

    private Response run(Request request) throws KeeperException, InterruptedException {
        return execute(request).throwIfError();
    }

    /** Creates a node; returns its actual path (sequence suffix included). */
    public String create(String path, byte[] data, List<Acl> acl, CreateMode mode)
            throws KeeperException, InterruptedException {
        return create(path, data, acl, mode, null);
    }

    /** Creates a node and fills {@code stat} (if not null) with its Stat. */
    public String create(String path, byte[] data, List<Acl> acl, CreateMode mode, Stat stat)
            throws KeeperException, InterruptedException {
        Response r = run(Request.create(path, data, acl, mode));
        fill(stat, r.stat());
        return r.createdPath();
    }

    /** Deletes a node; version -1 matches any. */
    public void delete(String path, int version) throws KeeperException, InterruptedException {
        run(Request.delete(path, version));
    }

    public Stat setData(String path, byte[] data, int version) throws KeeperException, InterruptedException {
        return run(Request.setData(path, data, version)).stat();
    }

    /** Reads a node's data (null and empty stay distinct) and fills {@code stat} if not null. */
    public byte[] getData(String path, boolean watch, Stat stat) throws KeeperException, InterruptedException {
        Response r = run(Request.getData(path, watch));
        fill(stat, r.stat());
        return r.data();
    }

    /** The node's Stat, or null if it does not exist. */
    public Stat exists(String path, boolean watch) throws KeeperException, InterruptedException {
        return run(Request.exists(path, watch)).stat();
    }

    public List<String> getChildren(String path, boolean watch) throws KeeperException, InterruptedException {
        return getChildren(path, watch, null);
    }

    public List<String> getChildren(String path, boolean watch, Stat stat)
            throws KeeperException, InterruptedException {
        Response r = run(Request.getChildren(path, watch));
        fill(stat, r.stat());
        return r.children();
    }

    public List<Acl> getACL(String path, Stat stat) throws KeeperException, InterruptedException {
        Response r = run(Request.getAcl(path));
        fill(stat, r.stat());
        return r.acl();
    }

    public Stat setACL(String path, List<Acl> acl, int aclVersion) throws KeeperException, InterruptedException {
        return run(Request.setAcl(path, acl, aclVersion)).stat();
    }

    /**
     * Runs the ops atomically. On failure throws the first op error's
     * exception, whose {@link KeeperException#getResults()} has one result per op.
     */
    public List<OpResult> multi(List<Op> ops) throws KeeperException, InterruptedException {
        return run(Request.multi(ops)).opResults();
    }

    /**
     * Writes a node with the given data, ACL, times and counters, over what is there (not a
     * ZooKeeper operation: for imports and restores with the brokers stopped; see
     * {@link RestoreNode}). The parent must exist. Returns the Stat read back.
     */
    public Stat restoreNode(RestoreNode node) throws KeeperException, InterruptedException {
        return run(Request.restoreNode(node)).stat();
    }

    private static void fill(Stat out, Stat in) {
        if (out != null && in != null) {
            out.copyFrom(in);
        }
    }

    // ---- session ----------------------------------------------------------

    /** The session id (the etcd lease id), as {@code ZooKeeper.getSessionId()}. */
    public long getSessionId() {
        return sessionId;
    }

    /** The session timeout granted (the lease TTL), in milliseconds. */
    public int getSessionTimeout() {
        return sessionTimeoutMs;
    }

    public SessionState getState() {
        return closed ? SessionState.CLOSED : SessionState.fromNative(NativeClient.state(handle));
    }

    public void addStateListener(SessionStateListener listener) {
        if (listener == null) {
            throw new IllegalArgumentException("listener cannot be null");
        }
        dispatcher.addListener(listener);
    }

    public void removeStateListener(SessionStateListener listener) {
        dispatcher.removeListener(listener);
    }

    /** The native handle (tests poke the JNI boundary with it). */
    long nativeHandle() {
        return handle;
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Ends the session: requests already submitted get their answers, the
     * session's ephemeral nodes are deleted, the lease is revoked, the
     * watcher gets {@code Closed}; then the dispatcher thread ends.
     * Idempotent. From a callback it returns without waiting for the
     * dispatcher, which finishes right after that callback.
     */
    @Override
    public void close() {
        boolean onDispatcher = dispatcher.isCurrentThread();
        if (!closeStarted.compareAndSet(false, true)) {
            if (!onDispatcher) {
                awaitQuietly(closeDone);
            }
            return;
        }
        try {
            synchronized (submitLock) {
                closed = true;
            }
            try {
                NativeClient.close(handle);
            } catch (RuntimeException e) {
                LOG.warn("kafka-etcd: closing session 0x{} failed", Long.toHexString(sessionId), e);
            }
            if (!onDispatcher) {
                joinDispatcher();
            }
        } finally {
            closeDone.countDown();
        }
    }

    private void joinDispatcher() {
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(requestTimeoutMs + 5_000L);
        try {
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    LOG.warn("kafka-etcd: the dispatcher of session 0x{} is still running a callback after close",
                            Long.toHexString(sessionId));
                    return;
                }
                try {
                    if (dispatcher.join(left)) {
                        return;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The clock of {@link Response#sendTimeMs()}: monotonic milliseconds. */
    static long nowMs() {
        return System.nanoTime() / 1_000_000L;
    }

    @Override
    public String toString() {
        return "KafkaEtcdClient(session 0x" + Long.toHexString(sessionId) + (closed ? ", closed)" : ")");
    }
}
