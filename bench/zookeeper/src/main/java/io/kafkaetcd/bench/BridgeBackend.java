package io.kafkaetcd.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

import io.kafkaetcd.Acl;
import io.kafkaetcd.ClientConfig;
import io.kafkaetcd.Code;
import io.kafkaetcd.CreateMode;
import io.kafkaetcd.KafkaEtcdClient;
import io.kafkaetcd.Request;
import io.kafkaetcd.WatchedEvent;

/**
 * io.kafkaetcd.KafkaEtcdClient: the Java API over the JNI bridge to this
 * crate's engine, talking to etcd. Same async shape as ZooKeeper's client:
 * one submit per request, the callback on the client's dispatcher thread.
 */
final class BridgeBackend implements Backend {
    private final String connect;
    private final int maxInFlight;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * @param connect     etcd endpoint(s), host:port[,host:port]
     * @param maxInFlight etcd write txns in flight per client (ClientConfig.maxInFlight)
     */
    BridgeBackend(String connect, int maxInFlight) {
        this.connect = connect;
        this.maxInFlight = maxInFlight;
    }

    static final class BridgeSession extends EventQueueSession {
        final KafkaEtcdClient c;

        BridgeSession(KafkaEtcdClient c, LinkedBlockingQueue<Long> events) {
            super(events);
            this.c = c;
        }

        private static CreateMode mode(boolean ephemeral) {
            return ephemeral ? CreateMode.EPHEMERAL : CreateMode.PERSISTENT;
        }

        @Override
        public void create(String path, byte[] data, boolean ephemeral, Done cb) {
            c.submit(Request.create(path, data, Acl.OPEN_ACL_UNSAFE, mode(ephemeral)), r -> cb.done(r.code().intValue()));
        }

        @Override
        public void getData(String path, boolean watch, Done cb) {
            c.submit(Request.getData(path, watch), r -> cb.done(r.code().intValue()));
        }

        @Override
        public void setData(String path, byte[] data, int version, Done cb) {
            c.submit(Request.setData(path, data, version), r -> cb.done(r.code().intValue()));
        }

        @Override
        public void exists(String path, boolean watch, Done cb) {
            c.submit(Request.exists(path, watch), r -> cb.done(r.code().intValue()));
        }

        @Override
        public void delete(String path, int version, Done cb) {
            c.submit(Request.delete(path, version), r -> cb.done(r.code().intValue()));
        }

        @Override
        public void createSync(String path, byte[] data, boolean ephemeral) throws Exception {
            c.create(path, data, Acl.OPEN_ACL_UNSAFE, mode(ephemeral));
        }

        @Override
        public void getDataSync(String path, boolean watch) throws Exception {
            c.getData(path, watch, null);
        }

        @Override
        public void setDataSync(String path, byte[] data, int version) throws Exception {
            c.setData(path, data, version);
        }

        @Override
        public void deleteSync(String path, int version) throws Exception {
            c.delete(path, version);
        }

        @Override
        public List<String> getChildrenSync(String path, boolean watch) throws Exception {
            return c.getChildren(path, watch);
        }

        @Override
        public long sessionId() {
            return c.getSessionId();
        }

        @Override
        public int sessionTimeoutMs() {
            return c.getSessionTimeout();
        }

        @Override
        public void close() {
            c.close();
        }
    }

    // ---- the bridge's own call paths (W2 submitBatch, W9 in-callback), not in ZooKeeper's API

    /**
     * W2 through submitBatch: getData of nodes 0..n-1, {@link ZkBench#WINDOW} requests per
     * submitBatch (one native call per window), one window at a time. Latency: the
     * batch's submit to each answer's callback.
     */
    static ZkBench.Result getDataBatched(BridgeSession s, int n, IntFunction<String> path) throws Exception {
        double[] lat = new double[n];
        AtomicReference<String> error = new AtomicReference<>();
        long start = System.nanoTime();
        for (int from = 0; from < n; from += ZkBench.WINDOW) {
            int k = Math.min(ZkBench.WINDOW, n - from);
            List<Request> batch = new ArrayList<>(k);
            for (int i = 0; i < k; i++) {
                batch.add(Request.getData(path.apply(from + i), false));
            }
            CountDownLatch done = new CountDownLatch(k);
            AtomicInteger next = new AtomicInteger(from); // answers come in request order
            long t0 = System.nanoTime();
            s.c.submitBatch(batch, r -> {
                int i = next.getAndIncrement();
                lat[i] = (System.nanoTime() - t0) / 1e6;
                if (r.code().intValue() != ZkBench.OK) {
                    error.compareAndSet(null, "getData " + path.apply(i) + ": " + r.code());
                }
                done.countDown();
            });
            if (!done.await(ZkBench.PIPE_WAIT_S, TimeUnit.SECONDS)) {
                throw new IllegalStateException("submitBatch answers still outstanding after " + ZkBench.PIPE_WAIT_S + " s");
            }
            if (error.get() != null) {
                throw new IllegalStateException(error.get());
            }
        }
        return new ZkBench.Result((System.nanoTime() - start) / 1e9, lat);
    }

    /**
     * W9 in a callback: n blocking getData calls made on the dispatcher thread, inside
     * a callback, where KafkaEtcdClient calls the engine directly instead of handing
     * the answer over to the caller's thread.
     */
    static ZkBench.Result getDataInCallback(BridgeSession s, int n, IntFunction<String> path) throws Exception {
        CompletableFuture<ZkBench.Result> done = new CompletableFuture<>();
        s.c.submit(Request.exists(path.apply(0), false), r -> {
            try {
                done.complete(ZkBench.oneAtATime(n, i -> s.c.getData(path.apply(i), false, null)));
            } catch (Exception e) {
                done.completeExceptionally(e);
            }
        });
        return done.get(ZkBench.PIPE_WAIT_S, TimeUnit.SECONDS);
    }

    static KafkaEtcdClient openClient(String connect, int sessionMs, int maxInFlight, LinkedBlockingQueue<Long> events)
            throws Exception {
        ClientConfig cfg = new ClientConfig().sessionTimeoutMs(sessionMs).maxInFlight(maxInFlight);
        return KafkaEtcdClient.open(connect, cfg, (WatchedEvent e) -> {
            if (e.getPath() != null && events != null) {
                events.add(System.nanoTime());
            }
        });
    }

    @Override
    public Session open(int sessionMs) throws Exception {
        LinkedBlockingQueue<Long> events = new LinkedBlockingQueue<>();
        return new BridgeSession(openClient(connect, sessionMs, maxInFlight, events), events);
    }

    @Override
    public String codeName(int rc) {
        return String.valueOf(Code.get(rc));
    }

    @Override
    public String revokeHow() {
        return "lease revoked through etcd's HTTP gateway";
    }

    private String firstEndpoint() {
        return connect.split("/", 2)[0].split(",")[0];
    }

    /** The first request of an HttpClient sets it up and connects: done here, not in a sample. */
    @Override
    public void prepareRevoke() throws Exception {
        http.send(HttpRequest.newBuilder(URI.create("http://" + firstEndpoint() + "/version")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** POST /v3/lease/revoke on the first endpoint (the session id is the lease id). */
    @Override
    public void revoke(Session s) throws Exception {
        String ep = firstEndpoint();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + ep + "/v3/lease/revoke"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"ID\":\"" + s.sessionId() + "\"}"))
                .build();
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("lease revoke of " + s.sessionId() + ": HTTP " + r.statusCode() + " " + r.body());
        }
    }

    @Override
    public String vanishHow() {
        return "process SIGKILLed, no close";
    }

    /**
     * KafkaEtcdClient keeps its lease alive on native threads until close(), and
     * has no way to stop that short of closing (which deletes the ephemerals
     * and revokes the lease). So the doomed session lives in a child JVM
     * ({@link #hold}) that is SIGKILLed: its keep-alives stop and the lease
     * expires after its TTL, as when a broker's process dies.
     */
    @Override
    public Doomed doomed(String path, byte[] data, int sessionMs) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Xmx64m");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ZkBench.class.getName());
        cmd.add("--hold");
        cmd.add(connect);
        cmd.add(path);
        cmd.add(Integer.toString(sessionMs));
        cmd.add(new String(data, StandardCharsets.UTF_8));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null || !line.startsWith("ready ")) {
            p.destroyForcibly();
            throw new IllegalStateException("session holder for " + path + " did not start: " + line);
        }
        return new Doomed() {
            @Override
            public void die() {
                p.destroyForcibly(); // SIGKILL
            }

            @Override
            public void cleanup() {
                p.destroyForcibly();
                try {
                    p.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    /**
     * Child JVM of {@link #doomed}: opens a session, creates the ephemeral,
     * prints "ready SESSION_ID" and waits; it exits (closing cleanly) when
     * its stdin ends, unless it is killed first.
     * Args: CONNECT PATH SESSION_MS DATA
     */
    static void hold(String[] a) throws Exception {
        try (KafkaEtcdClient c = openClient(a[0], Integer.parseInt(a[2]), 32, null)) {
            c.create(a[1], a[3].getBytes(StandardCharsets.UTF_8), Acl.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            System.out.println("ready " + c.getSessionId());
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the parent goes away
            }
        }
    }
}
