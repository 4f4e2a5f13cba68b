package io.kafkaetcd;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's event thread (Rust side: src/jni/dispatch.rs). One Java daemon
 * thread per client polls the native queue and runs, in queue order, the
 * response callbacks (released in request order) and the watch and state
 * events. Only this thread runs user code for the client, and it is a plain
 * Java thread: the native I/O threads never call Java, so a slow or
 * re-entrant callback delays later callbacks but never I/O.
 */
final class Dispatcher implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
    private static final AtomicInteger THREADS = new AtomicInteger();
    /** How long one native poll waits; only bounds how often the loop wakes up idle. */
    private static final int POLL_MS = 1000;

    /** A request whose answer has not been delivered yet. */
    static final class Pending {
        final Request request;
        final ResponseCallback callback;
        final long sendTimeMs;

        Pending(Request request, ResponseCallback callback, long sendTimeMs) {
            this.request = request;
            this.callback = callback;
            this.sendTimeMs = sendTimeMs;
        }
    }

    private final long handle;
    private final Watcher defaultWatcher;
    private final List<SessionStateListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final Thread thread;

    /** {@code threadName} null: kafka-etcd-event-N. */
    Dispatcher(long handle, Watcher defaultWatcher, String threadName) {
        this.handle = handle;
        this.defaultWatcher = defaultWatcher;
        this.thread = new Thread(this, threadName != null ? threadName : "kafka-etcd-event-" + THREADS.incrementAndGet());
        // A daemon: a JVM whose code never closes the client still exits.
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    boolean isCurrentThread() {
        return Thread.currentThread() == thread;
    }

    /** Waits for the thread to end; false if it is still running after {@code millis}. */
    boolean join(long millis) throws InterruptedException {
        thread.join(millis);
        return !thread.isAlive();
    }

    void register(long seq, Pending p) {
        pending.put(seq, p);
    }

    void unregister(long seq) {
        pending.remove(seq);
    }

    void addListener(SessionStateListener l) {
        listeners.add(l);
    }

    void removeListener(SessionStateListener l) {
        listeners.remove(l);
    }

    @Override
    public void run() {
        while (true) {
            byte[] batch;
            try {
                batch = NativeClient.poll(handle, POLL_MS);
            } catch (RuntimeException e) {
                // Only a native bug gets here; keep the thread alive, but do not spin.
                LOG.error("kafka-etcd: polling the native queue failed", e);
                sleepQuietly();
                continue;
            }
            if (batch == null) {
                continue;
            }
            try {
                if (!deliver(ByteBuffer.wrap(batch))) {
                    return;
                }
            } catch (RuntimeException e) {
                // A record the decoder does not understand: a jar/library mismatch.
                LOG.error("kafka-etcd: undecodable native records; the rest of the batch is lost", e);
            }
        }
    }

    /** Runs every record of a batch; false once the CLOSED record was seen. */
    private boolean deliver(ByteBuffer b) {
        long receivedMs = KafkaEtcdClient.nowMs();
        while (b.hasRemaining()) {
            byte kind = b.get();
            switch (kind) {
                case Wire.REC_COMPLETION:
                    complete(b.getLong(), b, receivedMs);
                    break;
                case Wire.REC_EVENT:
                    event(Wire.readEvent(b));
                    break;
                case Wire.REC_CLOSED:
                    failPending();
                    return false;
                default:
                    LOG.error("kafka-etcd: unknown native record kind {}; dropping the rest of the batch", kind);
                    return true;
            }
        }
        return true;
    }

    private void complete(long seq, ByteBuffer b, long receivedMs) {
        Pending p = pending.remove(seq);
        if (p == null) {
            // Cannot happen: requests are registered before they are submitted.
            LOG.error("kafka-etcd: answer for unknown request {}", seq);
            Wire.readResponse(b, Request.getAcl("/"), receivedMs, receivedMs);
            return;
        }
        Response r = Wire.readResponse(b, p.request, p.sendTimeMs, receivedMs);
        invoke(p.callback, r);
    }

    static void invoke(ResponseCallback cb, Response r) {
        try {
            cb.processResult(r);
        } catch (Throwable t) {
            LOG.error("kafka-etcd: response callback for {} threw", r.request(), t);
        }
    }

    private void event(WatchedEvent e) {
        if (defaultWatcher != null) {
            try {
                defaultWatcher.process(e);
            } catch (Throwable t) {
                LOG.error("kafka-etcd: watcher threw on {}", e, t);
            }
        }
        if (e.getType() == EventType.None) {
            for (SessionStateListener l : listeners) {
                try {
                    l.onStateChange(e.getState());
                } catch (Throwable t) {
                    LOG.error("kafka-etcd: session state listener threw on {}", e.getState(), t);
                }
            }
        }
    }

    /** Requests still unanswered at the end: SESSIONEXPIRED, in request order. */
    private void failPending() {
        long now = KafkaEtcdClient.nowMs();
        pending.keySet().stream().sorted().forEach(seq -> {
            Pending p = pending.remove(seq);
            if (p != null) {
                invoke(p.callback, Response.failed(p.request, Code.SESSIONEXPIRED, "client is closed", p.sendTimeMs));
            }
        });
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
