package io.kafkaetcd.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.function.Predicate;

import io.kafkaetcd.ClientConfig;

/**
 * The workloads W1-W7 and W9 of examples/bench.rs, through a Java client library with
 * ZooKeeper's async API: the official ZooKeeper Java client against Apache
 * ZooKeeper ("zookeeper") or zetcd ("zetcd"), or io.kafkaetcd.KafkaEtcdClient,
 * the JNI bridge to this crate's engine, against etcd ("bridge"). Prints one
 * JSON object per result, in the same format as the Rust bench.
 *
 * <pre>
 * java -cp 'target/zk-bench.jar:target/libs/*' io.kafkaetcd.bench.ZkBench \
 *     --target zookeeper|zetcd|bridge --connect 127.0.0.1:2181 [--quick] [--only W1,W2]
 *     [--expiry-samples N] [--warmup N] [--max-in-flight N] [--server-pids name=pid,...]
 * </pre>
 *
 * --connect: the ZooKeeper server (zookeeper, zetcd) or the etcd endpoint (bridge).
 * --expiry-samples: W5 "vanished" samples, each bound by a session expiry (default 5, quick 1, as bench.rs).
 * --warmup N: before W1, an unreported pipelined create/getData/setData/exists/delete of N znodes
 * (JIT warm-up; default 0, as the Rust bench has nothing like it).
 * --max-in-flight: bridge only, ClientConfig.maxInFlight (default: ClientConfig's own, 1,000,
 * the engine's default and what the Kafka adapter uses unless configured).
 * --server-pids: server processes whose CPU time and RSS each result reports
 * ("cpu_ms", "server_rss_mb"), e.g. etcd=1234 or zetcd=1,etcd=2.
 */
public final class ZkBench {

    /** Requests kept outstanding by a pipelining caller (as in bench.rs). */
    static final int WINDOW = 1000;

    /** Session timeouts: the Rust ClientOptions default (18 s) and W5's short one (6 s). */
    static final int DEFAULT_SESSION_MS = 18_000;
    static final int W5_SESSION_MS = 6_000;

    static final long EVENT_WAIT_S = 60;
    static final long PIPE_WAIT_S = 900;

    static final class Sizes {
        final int partitions, children, sessions, watchSamples, armed, expirySamples, oneAtATime;

        Sizes(int partitions, int children, int sessions, int watchSamples, int armed, int expirySamples, int oneAtATime) {
            this.partitions = partitions;
            this.children = children;
            this.sessions = sessions;
            this.watchSamples = watchSamples;
            this.armed = armed;
            this.expirySamples = expirySamples;
            this.oneAtATime = oneAtATime;
        }
    }

    /** As bench.rs's sizes(). */
    static Sizes sizes(boolean quick) {
        return quick ? new Sizes(2_000, 1_000, 50, 50, 2_000, 1, 500) : new Sizes(100_000, 10_000, 1_000, 500, 100_000, 5, 20_000);
    }

    static byte[] stateJson(int i) {
        return String.format(Locale.ROOT,
                "{\"controller_epoch\":1,\"leader\":%d,\"version\":1,\"leader_epoch\":0,\"isr\":[1,2,3],\"p\":%06d}",
                i % 3 + 1, i).getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- measuring

    /** VmRSS of a process ("self" or a pid), in MB; 0 if unreadable. */
    static double rssMb(String pid) {
        try {
            for (String l : Files.readAllLines(Paths.get("/proc/" + pid + "/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Double.parseDouble(l.trim().split("\\s+")[1]) / 1024.0;
                }
            }
        } catch (Exception e) {
            // fall through
        }
        return 0.0;
    }

    static double rssMb() {
        return rssMb("self");
    }

    /** User + system CPU time of a process ("self" or a pid), in ms (clock ticks of 10 ms); -1 if unreadable. */
    static double cpuMs(String pid) {
        try {
            String s = new String(Files.readAllBytes(Paths.get("/proc/" + pid + "/stat")), StandardCharsets.US_ASCII);
            String[] f = s.substring(s.lastIndexOf(')') + 2).trim().split("\\s+");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10.0;
        } catch (Exception e) {
            return -1;
        }
    }

    /** Server processes named on the command line (--server-pids name=pid,...). */
    static final Map<String, String> SERVERS = new LinkedHashMap<>();
    /** CPU times at the last {@link #mark()}: "client" and each server. */
    static final Map<String, Double> MARK = new LinkedHashMap<>();

    /** Starts the CPU accounting of the next result. */
    static void mark() {
        MARK.clear();
        MARK.put("client", cpuMs("self"));
        SERVERS.forEach((name, pid) -> MARK.put(name, cpuMs(pid)));
    }

    /** ,"cpu_ms":{...},"server_rss_mb":{...} since the last mark(). */
    static String meter() {
        StringBuilder b = new StringBuilder(",\"cpu_ms\":{");
        String sep = "";
        for (Map.Entry<String, Double> e : MARK.entrySet()) {
            String pid = e.getKey().equals("client") ? "self" : SERVERS.get(e.getKey());
            double now = cpuMs(pid);
            if (now >= 0 && e.getValue() >= 0) {
                b.append(sep).append(String.format(Locale.ROOT, "\"%s\":%.0f", e.getKey(), now - e.getValue()));
                sep = ",";
            }
        }
        b.append("},\"server_rss_mb\":{");
        sep = "";
        for (Map.Entry<String, String> e : SERVERS.entrySet()) {
            b.append(sep).append(String.format(Locale.ROOT, "\"%s\":%.1f", e.getKey(), rssMb(e.getValue())));
            sep = ",";
        }
        return b.append("}").toString();
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

    static String target;

    /** One JSON line; {@code kase} tells results of one workload apart (W5), or null. */
    static void report(String w, String kase, String what, int n, double secs, double[] lat, String extra) {
        double p50 = pct(lat, 0.5);
        double p99 = pct(lat, 0.99);
        System.out.println(String.format(Locale.ROOT,
                "{\"target\":\"%s\",\"workload\":\"%s\",%s\"what\":\"%s\",\"ops\":%d,\"secs\":%.3f,\"ops_per_s\":%.0f,"
                        + "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"rss_mb\":%.1f%s%s}",
                target, w, kase == null ? "" : "\"case\":\"" + kase + "\",", what, n, secs, n / secs, p50, p99,
                rssMb(), extra, meter()));
        System.out.flush();
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

        Backend.Done request(int i, String path) {
            long t0 = System.nanoTime();
            return rc -> {
                lat[i] = (System.nanoTime() - t0) / 1e6;
                if (!okCodes.contains(rc)) {
                    error.compareAndSet(null, "request " + i + " on " + path + ": " + backend.codeName(rc));
                }
                window.release();
                done.countDown();
            };
        }
    }

    interface Submit {
        /** Submits request {@code i} with the callback {@code pipe.request(i, path)}. */
        void submit(int i, Pipe pipe);
    }

    static final class Result {
        final double secs;
        final double[] lat;

        Result(double secs, double[] lat) {
            this.secs = secs;
            this.lat = lat;
        }
    }

    static final int OK = 0;
    static final int NONODE = -101;

    interface Call {
        /** Call {@code i}: returns once it is answered. */
        void call(int i) throws Exception;
    }

    /** n blocking calls, one after the other: latency of each, call to return. */
    static Result oneAtATime(int n, Call call) throws Exception {
        double[] lat = new double[n];
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            call.call(i);
            lat[i] = (System.nanoTime() - t0) / 1e6;
        }
        return new Result((System.nanoTime() - start) / 1e9, lat);
    }

    static Result pipelined(int n, Submit submit) throws InterruptedException {
        return pipelined(n, submit, Set.of(OK));
    }

    static Result pipelined(int n, Submit submit, Set<Integer> okCodes) throws InterruptedException {
        Pipe pipe = new Pipe(n, okCodes);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            pipe.window.acquire();
            if (pipe.error.get() != null) {
                throw new IllegalStateException(pipe.error.get());
            }
            submit.submit(i, pipe);
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

    // ---------------------------------------------------------------- main

    static Backend backend;

    public static void main(String[] argv) throws Exception {
        if (argv.length > 0 && argv[0].equals("--hold")) {
            BridgeBackend.hold(Arrays.copyOfRange(argv, 1, argv.length));
            return;
        }
        List<String> args = Arrays.asList(argv);
        target = arg(args, "--target", "zookeeper");
        String connect = arg(args, "--connect", "127.0.0.1:2181");
        String only = arg(args, "--only", null);
        boolean quick = args.contains("--quick");
        Sizes s = sizes(quick);
        int expirySamples = Integer.parseInt(arg(args, "--expiry-samples", Integer.toString(s.expirySamples)));
        int warmup = Integer.parseInt(arg(args, "--warmup", "0"));
        int maxInFlight = Integer.parseInt(arg(args, "--max-in-flight",
                Integer.toString(new ClientConfig().maxInFlight())));
        String pids = arg(args, "--server-pids", "");
        for (String kv : pids.split(",")) {
            if (kv.contains("=")) {
                SERVERS.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
        }
        Set<String> onlySet = only == null ? null : new HashSet<>(Arrays.asList(only.split(",")));
        Predicate<String> want = w -> onlySet == null || onlySet.contains(w);
        backend = target.equals("bridge") ? new BridgeBackend(connect, maxInFlight) : new ZkBackend(connect);
        String run = "/bench-" + ProcessHandle.current().pid();
        int code = 0;
        try {
            bench(run, s, want, expirySamples, warmup);
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

    static void bench(String run, Sizes s, Predicate<String> want, int expirySamples, int warmup) throws Exception {
        Backend.Session zk = backend.open(DEFAULT_SESSION_MS);
        zk.createSync(run, null, false);
        if (warmup > 0) {
            String wu = run + "/warmup";
            zk.createSync(wu, null, false);
            IntFunction<String> wp = i -> wu + "/p" + i;
            pipelined(warmup, (i, p) -> zk.create(wp.apply(i), stateJson(i), false, p.request(i, wp.apply(i))));
            pipelined(warmup, (i, p) -> zk.getData(wp.apply(i), false, p.request(i, wp.apply(i))));
            pipelined(warmup, (i, p) -> zk.setData(wp.apply(i), stateJson(i + 1), 0, p.request(i, wp.apply(i))));
            pipelined(warmup, (i, p) -> zk.exists(wp.apply(i), false, p.request(i, wp.apply(i))));
            pipelined(warmup, (i, p) -> zk.delete(wp.apply(i), 1, p.request(i, wp.apply(i))));
            zk.deleteSync(wu, -1);
            System.err.println("warm-up done");
        }
        String parts = run + "/partitions";
        zk.createSync(parts, null, false);
        int n = s.partitions;
        IntFunction<String> path = i -> parts + "/p" + i;

        if (want.test("W1") || want.test("W2") || want.test("W3") || want.test("W9")) {
            mark();
            Result r = pipelined(n, (i, p) -> zk.create(path.apply(i), stateJson(i), false, p.request(i, path.apply(i))));
            report("W1", null, "create partition-state znodes, pipelined", n, r.secs, r.lat, "");
        }
        if (want.test("W2")) {
            mark();
            Result r = pipelined(n, (i, p) -> zk.getData(path.apply(i), false, p.request(i, path.apply(i))));
            report("W2", null, "getData of every partition state, pipelined", n, r.secs, r.lat, "");
            if (zk instanceof BridgeBackend.BridgeSession) {
                mark();
                r = BridgeBackend.getDataBatched((BridgeBackend.BridgeSession) zk, n, path);
                report("W2", "submitBatch", "getData of every partition state, " + WINDOW + " per submitBatch (one native call)",
                        n, r.secs, r.lat, "");
            }
        }
        if (want.test("W9")) {
            int k = Math.min(s.oneAtATime, n);
            mark();
            Result r = oneAtATime(k, i -> zk.getDataSync(path.apply(i), false));
            report("W9", null, "getData one at a time, blocking call from the application thread", k, r.secs, r.lat, "");
            if (zk instanceof BridgeBackend.BridgeSession) {
                mark();
                r = BridgeBackend.getDataInCallback((BridgeBackend.BridgeSession) zk, k, path);
                report("W9", "in-callback", "getData one at a time, blocking call inside a callback (the direct native call)",
                        k, r.secs, r.lat, "");
            }
        }
        if (want.test("W3")) {
            mark();
            Result r = pipelined(n, (i, p) -> zk.setData(path.apply(i), stateJson(i + 1), 0, p.request(i, path.apply(i))));
            report("W3", null, "setData with expected version, pipelined", n, r.secs, r.lat, "");
        }
        if (want.test("W4")) {
            String kids = run + "/kids";
            zk.createSync(kids, null, false);
            pipelined(s.children, (i, p) -> zk.create(kids + "/c" + i, null, false, p.request(i, kids)));
            int rounds = 20;
            double[] lat = new double[rounds];
            mark();
            long start = System.nanoTime();
            for (int k = 0; k < rounds; k++) {
                long t0 = System.nanoTime();
                List<String> c = zk.getChildrenSync(kids, false);
                if (c.size() != s.children) {
                    throw new IllegalStateException("getChildren returned " + c.size() + ", expected " + s.children);
                }
                lat[k] = (System.nanoTime() - t0) / 1e6;
            }
            report("W4", null, "getChildren of " + s.children + " children", rounds, (System.nanoTime() - start) / 1e9, lat, "");
        }
        if (want.test("W5")) {
            w5(run, s, expirySamples);
        }
        if (want.test("W6")) {
            Backend.Session watcher = backend.open(DEFAULT_SESSION_MS);
            Backend.Session writer = backend.open(DEFAULT_SESSION_MS);
            String p = run + "/w6";
            writer.createSync(p, null, false);
            double[] lat = new double[s.watchSamples];
            mark();
            long start = System.nanoTime();
            for (int i = 0; i < s.watchSamples; i++) {
                watcher.getDataSync(p, true);
                long t0 = System.nanoTime();
                writer.setDataSync(p, Integer.toString(i).getBytes(StandardCharsets.UTF_8), -1);
                lat[i] = (watcher.nextEvent() - t0) / 1e6;
            }
            report("W6", null, "write -> watch callback on another client", s.watchSamples, (System.nanoTime() - start) / 1e9, lat, "");
            watcher.close();
            writer.close();
        }
        if (want.test("W7")) {
            double heapBefore = heapMb();
            double rssBefore = rssMb();
            Map<String, Double> serverBefore = new LinkedHashMap<>();
            SERVERS.forEach((name, pid) -> serverBefore.put(name, rssMb(pid)));
            Backend.Session c = backend.open(DEFAULT_SESSION_MS);
            int k = Math.min(s.armed, n);
            mark();
            // exists() arms a watch whether or not the node exists (it does: W1 ran).
            Result r = pipelined(k, (i, p) -> c.exists(path.apply(i), true, p.request(i, path.apply(i))), Set.of(OK, NONODE));
            double rssAfter = rssMb();
            double heapAfter = heapMb();
            StringBuilder server = new StringBuilder();
            SERVERS.forEach((name, pid) -> server.append(String.format(Locale.ROOT, "%s\"%s\":%.1f",
                    server.length() == 0 ? "" : ",", name, rssMb(pid) - serverBefore.get(name))));
            // watch_mem_mb: what the client process grew by (RSS), as bench.rs reports;
            // watch_heap_mb: the Java heap retained after a full GC.
            report("W7", null, "arm " + k + " watches on one client", k, r.secs, r.lat,
                    String.format(Locale.ROOT, ",\"watch_mem_mb\":%.1f,\"watch_heap_mb\":%.1f,\"server_watch_mem_mb\":{%s}",
                            rssAfter - rssBefore, heapAfter - heapBefore, server));
            long t0 = System.nanoTime();
            c.close();
            double closeMs = (System.nanoTime() - t0) / 1e6;
            if (closeMs > 1000) {
                System.err.printf(Locale.ROOT, "note: W7 close() of the client holding %d watches took %.0f ms%n", k, closeMs);
            }
        }
        zk.close();
    }

    static void w5(String run, Sizes s, int expirySamples) throws Exception {
        String ids = run + "/ids";
        Backend.Session setup = backend.open(DEFAULT_SESSION_MS);
        setup.createSync(ids, null, false);
        byte[] broker = "broker".getBytes(StandardCharsets.UTF_8);

        // Registration: sessions connect and create their ephemeral, 50 at a
        // time (as bench.rs's 50 concurrent tasks; open() blocks until connected).
        ExecutorService pool = Executors.newFixedThreadPool(50);
        mark();
        long start = System.nanoTime();
        List<Backend.Session> sessions = new ArrayList<>();
        try {
            for (int chunk = 0; chunk < (s.sessions + 49) / 50; chunk++) {
                List<Future<Backend.Session>> batch = new ArrayList<>();
                for (int j = 0; j < Math.min(50, s.sessions - chunk * 50); j++) {
                    int i = chunk * 50 + j;
                    batch.add(pool.submit(() -> {
                        Backend.Session c = backend.open(W5_SESSION_MS);
                        c.createSync(ids + "/" + i, broker, true);
                        return c;
                    }));
                }
                for (Future<Backend.Session> f : batch) {
                    sessions.add(f.get(120, TimeUnit.SECONDS));
                }
            }
        } finally {
            pool.shutdown();
        }
        double reg = (System.nanoTime() - start) / 1e9;
        report("W5", "register", s.sessions + " sessions each registering an ephemeral", s.sessions, reg,
                new double[] {reg * 1000.0 / s.sessions}, "");

        Backend.Session watcher = backend.open(DEFAULT_SESSION_MS);
        int samples = Math.min(20, sessions.size() / 3);
        int next = 0;

        // A clean close.
        double[] lat = new double[samples];
        double[] closeCall = new double[samples];
        mark();
        for (int k = 0; k < samples; k++) {
            watcher.getChildrenSync(ids, true);
            long t0 = System.nanoTime();
            sessions.get(next++).close();
            closeCall[k] = (System.nanoTime() - t0) / 1e6;
            lat[k] = (watcher.nextEvent() - t0) / 1e6;
        }
        // The ZooKeeper client's close() returns ~100 ms after the closeSession reply (it
        // joins its send thread), usually after the watch fired: reported apart.
        report("W5", "closed", "session closed -> child watch fires elsewhere", samples, sum(lat) / 1000.0, lat,
                String.format(Locale.ROOT, ",\"close_call_p50_ms\":%.3f", pct(closeCall, 0.5)));

        // An operator's kill from the server side (etcd: lease revoke).
        if (backend.revokeHow() != null) {
            double[] klat = new double[samples];
            double[] revokeCall = new double[samples];
            backend.prepareRevoke();
            mark();
            for (int k = 0; k < samples; k++) {
                watcher.getChildrenSync(ids, true);
                Backend.Session victim = sessions.get(next++);
                long t0 = System.nanoTime();
                backend.revoke(victim);
                revokeCall[k] = (System.nanoTime() - t0) / 1e6;
                klat[k] = (watcher.nextEvent() - t0) / 1e6;
            }
            // The revoke's own round trip (through the HTTP gateway) is part of each sample; reported apart.
            report("W5", "killed", "session killed (" + backend.revokeHow() + ") -> child watch fires elsewhere",
                    samples, sum(klat) / 1000.0, klat,
                    String.format(Locale.ROOT, ",\"revoke_call_p50_ms\":%.3f", pct(revokeCall, 0.5)));
        }

        // A process that vanished: nothing tells the server; the session expires.
        if (expirySamples > 0) {
            List<Backend.Doomed> doomed = new ArrayList<>();
            try {
                for (int k = 0; k < expirySamples; k++) {
                    doomed.add(backend.doomed(ids + "/vanish-" + k, broker, W5_SESSION_MS));
                }
                double[] vlat = new double[expirySamples];
                mark();
                for (int k = 0; k < expirySamples; k++) {
                    watcher.getChildrenSync(ids, true);
                    long t0 = System.nanoTime();
                    doomed.get(k).die();
                    vlat[k] = (watcher.nextEvent() - t0) / 1e6;
                }
                report("W5", "vanished", "session vanished (" + backend.vanishHow() + "; expiry at " + W5_SESSION_MS
                        + " ms session timeout) -> child watch fires elsewhere", expirySamples, sum(vlat) / 1000.0, vlat, "");
            } finally {
                for (Backend.Doomed d : doomed) {
                    d.cleanup();
                }
            }
        }
        // The rest, revoked ones included (their client saw Expired; close() just lets it go).
        for (Backend.Session c : sessions.subList(samples, sessions.size())) {
            c.close();
        }
        watcher.close();
        setup.close();
    }
}
