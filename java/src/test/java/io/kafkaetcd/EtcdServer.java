package io.kafkaetcd;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real single-member etcd on free loopback ports with a temporary data
 * dir, for the tests (never a mock). The binary: {@link #binary()}. Killed
 * by {@link #close()} and, should a test JVM end without it, by a shutdown hook.
 */
public final class EtcdServer implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final int clientPort;
    /** Plain-HTTP loopback port for health and the gateway (the client port may be TLS-only). */
    private final int adminPort;
    private final Thread killer;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private EtcdServer(Process process, Path dir, int clientPort, int adminPort) {
        this.process = process;
        this.dir = dir;
        this.clientPort = clientPort;
        this.adminPort = adminPort;
        this.killer = new Thread(process::destroyForcibly, "etcd-killer");
        Runtime.getRuntime().addShutdownHook(killer);
    }

    public static EtcdServer start() throws IOException, InterruptedException {
        return start(null, List.of());
    }

    /**
     * An etcd serving clients over TLS only on {@link #endpoint()} (server certificate
     * {@code certPem}/{@code keyPem}; {@code clientCaPem} non-null turns on
     * {@code --client-cert-auth}), plus a plaintext loopback admin port for health and
     * the gateway. {@code extraArgs}: more etcd flags.
     */
    public static EtcdServer start(Path[] tlsFiles, List<String> extraArgs) throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return startOnce(tlsFiles, extraArgs);
            } catch (IOException e) {
                last = e; // most likely a port taken meanwhile: try fresh ports
            }
        }
        throw last;
    }

    private static EtcdServer startOnce(Path[] tlsFiles, List<String> extraArgs) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("kafka-etcd-java-test-");
        int client = freePort();
        int peer = freePort();
        int admin = tlsFiles != null ? freePort() : client;
        String clientUrl = (tlsFiles != null ? "https" : "http") + "://127.0.0.1:" + client;
        String listenUrls = tlsFiles != null ? clientUrl + ",http://127.0.0.1:" + admin : clientUrl;
        String peerUrl = "http://127.0.0.1:" + peer;
        List<String> cmd = new ArrayList<>(List.of(binary().toString(),
                "--name", "m0", "--data-dir", dir.resolve("m0.etcd").toString(),
                "--listen-client-urls", listenUrls, "--advertise-client-urls", clientUrl,
                "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", "m0=" + peerUrl, "--initial-cluster-state", "new",
                // Fast elections: short leases (session expiry tests) are allowed.
                "--heartbeat-interval", "50", "--election-timeout", "500",
                "--logger", "zap", "--log-level", "warn"));
        if (tlsFiles != null) {
            cmd.addAll(List.of("--cert-file", tlsFiles[0].toString(), "--key-file", tlsFiles[1].toString()));
            if (tlsFiles.length > 2 && tlsFiles[2] != null) {
                cmd.addAll(List.of("--client-cert-auth", "--trusted-ca-file", tlsFiles[2].toString()));
            }
        }
        cmd.addAll(extraArgs);
        File log = dir.resolve("etcd.log").toFile();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        EtcdServer server = new EtcdServer(p, dir, client, admin);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                String out = Files.readString(log.toPath());
                server.close();
                throw new IOException("etcd exited at startup: " + out);
            }
            if (server.healthy()) {
                return server;
            }
            Thread.sleep(50);
        }
        String out = Files.readString(log.toPath());
        server.close();
        throw new IllegalStateException("etcd did not become healthy in 20 s: " + out);
    }

    /** "127.0.0.1:PORT", the client endpoint. */
    public String endpoint() {
        return "127.0.0.1:" + clientPort;
    }

    /** "127.0.0.1:PORT", plaintext HTTP for health and the gateway. */
    String adminEndpoint() {
        return "127.0.0.1:" + adminPort;
    }

    public boolean healthy() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + adminEndpoint() + "/health"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("\"health\":\"true\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The sum of etcd's own Prometheus samples of {@code name} (from its
     * /metrics endpoint) whose labels include every one of {@code labels},
     * each written as in the exposition, e.g. {@code grpc_method="Txn"}.
     * 0 if there is none yet (etcd creates a counter on first use).
     */
    public double metric(String name, String... labels) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + adminEndpoint() + "/metrics"))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("/metrics answered " + r.statusCode());
        }
        double sum = 0;
        for (String line : r.body().split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            int close = line.lastIndexOf('}');
            String labelSet = close < 0 ? "" : line.substring(name.length(), close + 1);
            boolean all = true;
            for (String l : labels) {
                all &= labelSet.contains(l);
            }
            if (all) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /**
     * Revokes a lease through etcd's gRPC gateway, a raw etcd request: the
     * real way a session ends on the server side.
     */
    public void revokeLease(long id) throws IOException, InterruptedException {
        String body = "{\"ID\":\"" + id + "\"}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + adminEndpoint() + "/v3/lease/revoke"))
                .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("lease revoke answered " + r.statusCode() + ": " + r.body());
        }
    }

    /** Puts a raw key through etcd's gRPC gateway, bypassing kafka-etcd entirely. */
    public void putRaw(String key, byte[] value) throws IOException, InterruptedException {
        java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
        String body = "{\"key\":\"" + b64.encodeToString(key.getBytes(StandardCharsets.UTF_8))
                + "\",\"value\":\"" + b64.encodeToString(value) + "\"}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + adminEndpoint() + "/v3/kv/put"))
                .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("put answered " + r.statusCode() + ": " + r.body());
        }
    }

    /**
     * Turns on etcd authentication: a root user, then per {@code users} entry
     * (user, password, key prefix) a role with readwrite on that prefix only.
     */
    public void enableAuth(String rootPassword, String[]... users) throws IOException, InterruptedException {
        java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
        gateway("/v3/auth/user/add", "{\"name\":\"root\",\"password\":\"" + rootPassword + "\"}");
        gateway("/v3/auth/user/grant", "{\"user\":\"root\",\"role\":\"root\"}");
        for (String[] u : users) {
            String role = "role-" + u[0];
            byte[] prefix = u[2].getBytes(StandardCharsets.UTF_8);
            byte[] end = prefix.clone();
            end[end.length - 1]++;
            gateway("/v3/auth/role/add", "{\"name\":\"" + role + "\"}");
            gateway("/v3/auth/role/grant", "{\"name\":\"" + role + "\",\"perm\":{\"permType\":\"READWRITE\",\"key\":\""
                    + b64.encodeToString(prefix) + "\",\"range_end\":\"" + b64.encodeToString(end) + "\"}}");
            gateway("/v3/auth/user/add", "{\"name\":\"" + u[0] + "\",\"password\":\"" + u[1] + "\"}");
            gateway("/v3/auth/user/grant", "{\"user\":\"" + u[0] + "\",\"role\":\"" + role + "\"}");
        }
        gateway("/v3/auth/enable", "{}");
    }

    private void gateway(String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + adminEndpoint() + path))
                .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(path + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs anyway
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a leftover temp dir is harmless
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static Path binary;

    /**
     * {@code $KAFKA_ETCD_ETCD_BIN}, else what {@code scripts/lib/etcd-cluster.sh bin}
     * prints: the repository's one etcd-binary lookup (the etcd-bin-vendored crate
     * at the version Cargo.lock pins), the script found from the working directory
     * up. Asked once per JVM.
     */
    public static synchronized Path binary() throws IOException {
        if (binary != null) {
            return binary;
        }
        String env = System.getenv("KAFKA_ETCD_ETCD_BIN");
        if (env != null && !env.isEmpty()) {
            return binary = Paths.get(env);
        }
        for (Path d = Paths.get("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path script = d.resolve("scripts/lib/etcd-cluster.sh");
            if (Files.isRegularFile(script)) {
                return binary = askScript(script);
            }
        }
        throw new IllegalStateException("no etcd binary: set KAFKA_ETCD_ETCD_BIN "
                + "(scripts/lib/etcd-cluster.sh bin prints the repository's)");
    }

    private static Path askScript(Path script) throws IOException {
        Process p = new ProcessBuilder("bash", script.toString(), "bin")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            // cargo metadata may download the crate the first time.
            if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0 || out.isEmpty()) {
                p.destroyForcibly();
                throw new IllegalStateException(script + " bin found no etcd binary: set KAFKA_ETCD_ETCD_BIN");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return Paths.get(out);
    }
}
