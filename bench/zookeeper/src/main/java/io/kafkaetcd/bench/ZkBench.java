package io.kafkaetcd.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.zookeeper.AsyncCallback.DataCallback;
import org.apache.zookeeper.AsyncCallback.StatCallback;
import org.apache.zookeeper.AsyncCallback.StringCallback;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;

/**
 * The workloads W1-W7 of examples/bench.rs, run through the official ZooKeeper
 * Java client (async API) against any ZooKeeper-protocol server: Apache
 * ZooKeeper itself, or zetcd in front of etcd. Prints one JSON object per
 * result, in the same format as the Rust bench.
 *
 * <pre>
 * java -cp 'target/zk-bench.jar:target/libs/*' io.kafkaetcd.bench.ZkBench \
 *     --target zookeeper|zetcd --connect 127.0.0.1:2181 [--quick] [--only W1,W2] [--expiry-samples N] [--warmup N]
 * </pre>
 *
 * --expiry-samples: W5 kill samples, each bound by a 4 s session expiry (default 20, quick 5).
 * --warmup N: before W1, an unreported pipelined create/getData/setData/delete of N znodes
 * (JIT warm-up; default 0, as the Rust bench has nothing like it).
 */
public final class ZkBench {

    /** Requests kept outstanding by a pipelining caller (as in bench.rs). */
    static final int WINDOW = 1000;

    /** Session timeouts: the Rust ClientOptions default (18 s) and W5's short one (6 s). */
    static final int DEFAULT_SESSION_MS = 18_000;
    static final int W5_SESSION_MS = 6_000;
    /** W5 "kill" sessions: the shortest a tickTime=2000 server allows (2 ticks). */
    static final int KILL_SESSION_MS = 4_000;

    static final long EVENT_WAIT_S = 60;
    static final long PIPE_WAIT_S = 900;

    static final List<ACL> OPEN = ZooDefs.Ids.OPEN_ACL_UNSAFE;

    static final class Sizes {
        final int partitions, children, sessions, watchSamples, armed;

        Sizes(int partitions, int children, int sessions, int watchSamples, int armed) {
            this.partitions = partitions;
            this.children = children;
            this.sessions = sessions;
            this.watchSamples = watchSamples;
            this.armed = armed;
        }
    }

    static Sizes sizes(boolean quick) {
        return quick ? new Sizes(2_000, 1_000, 50, 50, 2_000) : new Sizes(100_000, 10_000, 1_000, 500, 100_000);
    }

    static byte[] stateJson(int i) {
        return String.format(Locale.ROOT,
                "{\"controller_epoch\":1,\"leader\":%d,\"version\":1,\"leader_epoch\":0,\"isr\":[1,2,3],\"p\":%06d}",
                i % 3 + 1, i).getBytes(StandardCharsets.UTF_8);
    }

    static double rssMb() {
        try {
            for (String l : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Double.parseDouble(l.trim().split("\\s+")[1]) / 1024.0;
                }
            }
        } catch (Exception e) {
            // fall through
        }
        return 0.0;
    }

    /** Heap in use after a full collection, in MB. */
    static double heapMb() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return (rt.totalMemory() - rt.freeMemory()) / (1024.0 * 1024.0);
    }

    static double pct(double[] lat, double p) {
        if (lat.length == 0) {
            return 0.0;
        }
        Arrays.sort(lat);
        return lat[(int) Math.round((lat.length - 1) * p)];
    }

    static void report(String target, String w, String what, int n, double secs, double[] lat, String extra) {
        double p50 = pct(lat, 0.5);
        double p99 = pct(lat, 0.99);
        System.out.println(String.format(Locale.ROOT,
                "{\"target\":\"%s\",\"workload\":\"%s\",\"what\":\"%s\",\"ops\":%d,\"secs\":%.3f,\"ops_per_s\":%.0f,"
                        + "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"rss_mb\":%.1f%s}",
                target, w, what, n, secs, n / secs, p50, p99, rssMb(), extra));
        System.out.flush();
    }

    static double[] toArray(List<Double> l) {
        double[] a = new double[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = l.get(i);
        }
        return a;
    }

    static double sum(double[] a) {
        double s = 0;
        for (double x : a) {
            s += x;
        }
        return s;
    }

    // ---------------------------------------------------------------- pipelining

    /** One pipelined run: at most WINDOW requests outstanding, latency from submit to callback. */
    static final class Pipe {
        final Semaphore window = new Semaphore(WINDOW);
        final double[] lat;
        final CountDownLatch done;
        final Set<Integer> okCodes;
        final AtomicReference<String> error = new AtomicReference<>();

        Pipe(int n, Set<Integer> okCodes) {
            this.lat = new double[n];
            this.done = new CountDownLatch(n);
            this.okCodes = okCodes;
        }

        void complete(int i, long t0, int rc, String path) {
            lat[i] = (System.nanoTime() - t0) / 1e6;
            if (!okCodes.contains(rc)) {
                error.compareAndSet(null, "request " + i + " on " + path + ": " + KeeperException.Code.get(rc));
            }
            window.release();
            done.countDown();
        }
    }

    /** The callback of one request; implements each callback type the workloads use. */
    static final class Req implements StringCallback, DataCallback, StatCallback {
        final Pipe pipe;
        final int i;
        final long t0;

        Req(Pipe pipe, int i) {
            this.pipe = pipe;
            this.i = i;
            this.t0 = System.nanoTime();
        }

        @Override
        public void processResult(int rc, String path, Object ctx, String name) {
            pipe.complete(i, t0, rc, path);
        }

        @Override
        public void processResult(int rc, String path, Object ctx, byte[] data, Stat stat) {
            pipe.complete(i, t0, rc, path);
        }

        @Override
        public void processResult(int rc, String path, Object ctx, Stat stat) {
            pipe.complete(i, t0, rc, path);
        }
    }

    interface Submit {
        void submit(int i, Req cb);
    }

    static final class Result {
        final double secs;
        final double[] lat;

        Result(double secs, double[] lat) {
            this.secs = secs;
            this.lat = lat;
        }
    }

    static Result pipelined(int n, Submit submit) throws InterruptedException {
        return pipelined(n, submit, Set.of(KeeperException.Code.OK.intValue()));
    }

    static Result pipelined(int n, Submit submit, Set<Integer> okCodes) throws InterruptedException {
        Pipe pipe = new Pipe(n, okCodes);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            pipe.window.acquire();
            if (pipe.error.get() != null) {
                throw new IllegalStateException(pipe.error.get());
            }
            submit.submit(i, new Req(pipe, i));
        }
        if (!pipe.done.await(PIPE_WAIT_S, TimeUnit.SECONDS)) {
            throw new IllegalStateException("pipelined requests still outstanding after " + PIPE_WAIT_S + " s");
        }
        double secs = (System.nanoTime() - start) / 1e9;
        if (pipe.error.get() != null) {
            throw new IllegalStateException(pipe.error.get());
        }
        return new Result(secs, pipe.lat);
    }

    // ---------------------------------------------------------------- clients

    /** A session with its own event queue of node events (events that carry a path). */
    static final class Client implements Watcher {
        final ZooKeeper zk;
        final CompletableFuture<Void> connected = new CompletableFuture<>();
        /** Node events with their arrival time (System.nanoTime() in the event thread). */
        final LinkedBlockingQueue<long[]> events = new LinkedBlockingQueue<>();

        Client(String connect, int sessionMs) throws Exception {
            this.zk = new ZooKeeper(connect, sessionMs, this);
        }

        @Override
        public void process(WatchedEvent e) {
            if (e.getType() == Event.EventType.None) {
                if (e.getState() == Event.KeeperState.SyncConnected) {
                    connected.complete(null);
                }
            } else if (e.getPath() != null) {
                events.add(new long[] {System.nanoTime()});
            }
        }

        Client awaitConnected() throws Exception {
            connected.get(30, TimeUnit.SECONDS);
            return this;
        }

        /**
         * Waits for the next node event; returns the time it reached the watcher
         * callback (so a blocking call made meanwhile, e.g. close(), is not counted).
         */
        long nextEvent() throws InterruptedException {
            long[] e = events.poll(EVENT_WAIT_S, TimeUnit.SECONDS);
            if (e == null) {
                throw new IllegalStateException("no watch event within " + EVENT_WAIT_S + " s");
            }
            return e[0];
        }

        void close() throws InterruptedException {
            zk.close();
        }
    }

    static Client connect(String connect, int sessionMs) throws Exception {
        return new Client(connect, sessionMs).awaitConnected();
    }

    // ---------------------------------------------------------------- main

    public static void main(String[] argv) throws Exception {
        List<String> args = Arrays.asList(argv);
        String target = arg(args, "--target", "zookeeper");
        String connect = arg(args, "--connect", "127.0.0.1:2181");
        String only = arg(args, "--only", null);
        boolean quick = args.contains("--quick");
        Sizes s = sizes(quick);
        int expirySamples = Integer.parseInt(arg(args, "--expiry-samples", quick ? "5" : "20"));
        int warmup = Integer.parseInt(arg(args, "--warmup", "0"));
        Set<String> onlySet = only == null ? null : new HashSet<>(Arrays.asList(only.split(",")));
        java.util.function.Predicate<String> want = w -> onlySet == null || onlySet.contains(w);
        String run = "/bench-" + ProcessHandle.current().pid();
        int code = 0;
        try {
            bench(target, connect, run, s, want, expirySamples, warmup);
        } catch (Throwable t) {
            System.err.println("ZkBench failed: " + t);
            t.printStackTrace();
            code = 1;
        }
        System.out.flush();
        System.exit(code);
    }

    static String arg(List<String> args, String name, String dflt) {
        int i = args.indexOf(name);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : dflt;
    }

    static void bench(String t, String connect, String run, Sizes s, java.util.function.Predicate<String> want,
            int expirySamples, int warmup) throws Exception {
        Client main = connect(connect, DEFAULT_SESSION_MS);
        ZooKeeper zk = main.zk;
        zk.create(run, null, OPEN, CreateMode.PERSISTENT);
        if (warmup > 0) {
            String wu = run + "/warmup";
            zk.create(wu, null, OPEN, CreateMode.PERSISTENT);
            java.util.function.IntFunction<String> wp = i -> wu + "/p" + i;
            pipelined(warmup, (i, cb) -> zk.create(wp.apply(i), stateJson(i), OPEN, CreateMode.PERSISTENT, cb, null));
            pipelined(warmup, (i, cb) -> zk.getData(wp.apply(i), false, cb, null));
            pipelined(warmup, (i, cb) -> zk.setData(wp.apply(i), stateJson(i + 1), 0, cb, null));
            pipelined(warmup, (i, cb) -> zk.delete(wp.apply(i), 1, (rc, p, ctx) -> cb.processResult(rc, p, ctx, (Stat) null), null));
            zk.delete(wu, -1);
        }
        String parts = run + "/partitions";
        zk.create(parts, null, OPEN, CreateMode.PERSISTENT);
        int n = s.partitions;
        java.util.function.IntFunction<String> path = i -> parts + "/p" + i;

        if (want.test("W1") || want.test("W2") || want.test("W3")) {
            Result r = pipelined(n, (i, cb) -> zk.create(path.apply(i), stateJson(i), OPEN, CreateMode.PERSISTENT, cb, null));
            report(t, "W1", "create partition-state znodes, pipelined", n, r.secs, r.lat, "");
        }
        if (want.test("W2")) {
            Result r = pipelined(n, (i, cb) -> zk.getData(path.apply(i), false, cb, null));
            report(t, "W2", "getData of every partition state, pipelined", n, r.secs, r.lat, "");
        }
        if (want.test("W3")) {
            Result r = pipelined(n, (i, cb) -> zk.setData(path.apply(i), stateJson(i + 1), 0, cb, null));
            report(t, "W3", "setData with expected version, pipelined", n, r.secs, r.lat, "");
        }
        if (want.test("W4")) {
            String kids = run + "/kids";
            zk.create(kids, null, OPEN, CreateMode.PERSISTENT);
            pipelined(s.children, (i, cb) -> zk.create(kids + "/c" + i, null, OPEN, CreateMode.PERSISTENT, cb, null));
            int rounds = 20;
            double[] lat = new double[rounds];
            long start = System.nanoTime();
            for (int k = 0; k < rounds; k++) {
                long t0 = System.nanoTime();
                List<String> c = zk.getChildren(kids, false);
                if (c.size() != s.children) {
                    throw new IllegalStateException("getChildren returned " + c.size() + ", expected " + s.children);
                }
                lat[k] = (System.nanoTime() - t0) / 1e6;
            }
            report(t, "W4", "getChildren of " + s.children + " children", rounds, (System.nanoTime() - start) / 1e9, lat, "");
        }
        if (want.test("W5")) {
            w5(t, connect, run, s, expirySamples);
        }
        if (want.test("W6")) {
            Client watcher = connect(connect, DEFAULT_SESSION_MS);
            Client writer = connect(connect, DEFAULT_SESSION_MS);
            String p = run + "/w6";
            writer.zk.create(p, null, OPEN, CreateMode.PERSISTENT);
            double[] lat = new double[s.watchSamples];
            long start = System.nanoTime();
            for (int i = 0; i < s.watchSamples; i++) {
                watcher.zk.getData(p, true, null);
                long t0 = System.nanoTime();
                writer.zk.setData(p, Integer.toString(i).getBytes(StandardCharsets.UTF_8), -1);
                lat[i] = (watcher.nextEvent() - t0) / 1e6;
            }
            report(t, "W6", "write -> watch callback on another client", s.watchSamples, (System.nanoTime() - start) / 1e9, lat, "");
            watcher.close();
            writer.close();
        }
        if (want.test("W7")) {
            double heapBefore = heapMb();
            double rssBefore = rssMb();
            Client c = connect(connect, DEFAULT_SESSION_MS);
            int k = Math.min(s.armed, n);
            // exists() arms a watch whether or not the node exists (it does when W1 ran).
            Result r = pipelined(k, (i, cb) -> c.zk.exists(path.apply(i), true, cb, null),
                    Set.of(KeeperException.Code.OK.intValue(), KeeperException.Code.NONODE.intValue()));
            double rssAfter = rssMb();
            double heapAfter = heapMb();
            report(t, "W7", "arm " + k + " watches on one client", k, r.secs, r.lat,
                    String.format(Locale.ROOT, ",\"watch_mem_mb\":%.1f,\"watch_rss_mb\":%.1f",
                            heapAfter - heapBefore, rssAfter - rssBefore));
            long t0 = System.nanoTime();
            c.close();
            double closeMs = (System.nanoTime() - t0) / 1e6;
            if (closeMs > 1000) {
                System.err.printf(Locale.ROOT, "note: W7 close() of the client holding %d watches took %.0f ms%n", k, closeMs);
            }
        }
        main.close();
    }

    static void w5(String t, String connect, String run, Sizes s, int expirySamples) throws Exception {
        String ids = run + "/ids";
        ZooKeeper setup = connect(connect, DEFAULT_SESSION_MS).zk;
        setup.create(ids, null, OPEN, CreateMode.PERSISTENT);
        byte[] broker = "broker".getBytes(StandardCharsets.UTF_8);

        // Registration: sessions connect and create their ephemeral, 50 at a time.
        long start = System.nanoTime();
        List<Client> sessions = new ArrayList<>();
        AtomicReference<String> error = new AtomicReference<>();
        for (int chunk = 0; chunk < (s.sessions + 49) / 50; chunk++) {
            int size = Math.min(50, s.sessions - chunk * 50);
            CountDownLatch batch = new CountDownLatch(size);
            for (int j = 0; j < size; j++) {
                int i = chunk * 50 + j;
                Client c = new Client(connect, W5_SESSION_MS);
                sessions.add(c);
                c.connected.thenRun(() -> c.zk.create(ids + "/" + i, broker, OPEN, CreateMode.EPHEMERAL,
                        (StringCallback) (rc, p, ctx, name) -> {
                            if (rc != KeeperException.Code.OK.intValue()) {
                                error.compareAndSet(null, "create " + p + ": " + KeeperException.Code.get(rc));
                            }
                            batch.countDown();
                        }, null));
            }
            if (!batch.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("session registration batch " + chunk + " timed out");
            }
            if (error.get() != null) {
                throw new IllegalStateException(error.get());
            }
        }
        double reg = (System.nanoTime() - start) / 1e9;
        report(t, "W5", s.sessions + " sessions each registering an ephemeral", s.sessions, reg,
                new double[] {reg * 1000.0 / s.sessions}, "");

        // Death to child watch: close a session (clean) and time the watcher.
        Client watcher = connect(connect, DEFAULT_SESSION_MS);
        int samples = Math.min(20, sessions.size());
        double[] lat = new double[samples];
        double[] closeCall = new double[samples];
        for (int k = 0; k < samples; k++) {
            watcher.zk.getChildren(ids, true);
            long t0 = System.nanoTime();
            sessions.get(k).close();
            closeCall[k] = (System.nanoTime() - t0) / 1e6;
            lat[k] = (watcher.nextEvent() - t0) / 1e6;
        }
        // The Java client's close() returns ~100 ms after the closeSession reply (it
        // joins its send thread), usually after the watch fired: reported apart.
        report(t, "W5", "session close -> child watch fires elsewhere", samples, sum(lat) / 1000.0, lat,
                String.format(Locale.ROOT, ",\"close_call_p50_ms\":%.3f", pct(closeCall, 0.5)));

        // Kill: a ZooKeeper session has no server-side "revoke"; a dead broker is
        // noticed by expiry. injectSessionExpiration() drops the client's socket
        // without a closeSession request (what a killed process does), so the
        // server expires the session after its timeout and deletes the ephemeral.
        if (expirySamples > 0) {
            List<Client> doomed = new ArrayList<>();
            int negotiated = 0;
            for (int k = 0; k < expirySamples; k++) {
                Client c = connect(connect, KILL_SESSION_MS);
                c.zk.create(ids + "/kill-" + k, broker, OPEN, CreateMode.EPHEMERAL);
                negotiated = c.zk.getSessionTimeout();
                doomed.add(c);
            }
            double[] klat = new double[expirySamples];
            for (int k = 0; k < expirySamples; k++) {
                watcher.zk.getChildren(ids, true);
                long t0 = System.nanoTime();
                doomed.get(k).zk.getTestable().injectSessionExpiration();
                klat[k] = (watcher.nextEvent() - t0) / 1e6;
            }
            report(t, "W5", "session killed (socket dropped, no closeSession; expiry at negotiated " + negotiated
                    + " ms session timeout) -> child watch fires elsewhere", expirySamples, sum(klat) / 1000.0, klat, "");
        }
        for (Client c : sessions.subList(samples, sessions.size())) {
            c.close();
        }
        watcher.close();
        setup.close();
    }
}
