package io.kafkaetcd;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real single-member etcd on free loopback ports with a temporary data
 * dir, for the tests (never a mock). The binary is {@code $KAFKA_ETCD_ETCD_BIN},
 * else the one the {@code etcd-bin-vendored} crate ships in the cargo
 * registry. Killed by {@link #close()} and, should a test JVM end without
 * it, by a shutdown hook.
 */
public final class EtcdServer implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final int clientPort;
    private final Thread killer;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private EtcdServer(Process process, Path dir, int clientPort) {
        this.process = process;
        this.dir = dir;
        this.clientPort = clientPort;
        this.killer = new Thread(process::destroyForcibly, "etcd-killer");
        Runtime.getRuntime().addShutdownHook(killer);
    }

    public static EtcdServer start() throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return startOnce();
            } catch (IOException e) {
                last = e; // most likely a port taken meanwhile: try fresh ports
            }
        }
        throw last;
    }

    private static EtcdServer startOnce() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("kafka-etcd-java-test-");
        int client = freePort();
        int peer = freePort();
        String clientUrl = "http://127.0.0.1:" + client;
        String peerUrl = "http://127.0.0.1:" + peer;
        List<String> cmd = new ArrayList<>(List.of(binary().toString(),
                "--name", "m0", "--data-dir", dir.resolve("m0.etcd").toString(),
                "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
                "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", "m0=" + peerUrl, "--initial-cluster-state", "new",
                // Fast elections: short leases (session expiry tests) are allowed.
                "--heartbeat-interval", "50", "--election-timeout", "500",
                "--logger", "zap", "--log-level", "warn"));
        File log = dir.resolve("etcd.log").toFile();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        EtcdServer server = new EtcdServer(p, dir, client);
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

    public boolean healthy() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + endpoint() + "/health"))
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
     * Revokes a lease through etcd's gRPC gateway, a raw etcd request: the
     * real way a session ends on the server side.
     */
    public void revokeLease(long id) throws IOException, InterruptedException {
        String body = "{\"ID\":\"" + id + "\"}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + endpoint() + "/v3/lease/revoke"))
                .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("lease revoke answered " + r.statusCode() + ": " + r.body());
        }
    }

    /** Puts a raw key through etcd's gRPC gateway, bypassing kafka-etcd entirely. */
    void putRaw(String key, byte[] value) throws IOException, InterruptedException {
        java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
        String body = "{\"key\":\"" + b64.encodeToString(key.getBytes(StandardCharsets.UTF_8))
                + "\",\"value\":\"" + b64.encodeToString(value) + "\"}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + endpoint() + "/v3/kv/put"))
                .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("put answered " + r.statusCode() + ": " + r.body());
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

    /** {@code $KAFKA_ETCD_ETCD_BIN}, else etcd-bin-vendored-linux-amd64-*&#47;bin/etcd in the cargo registry. */
    public static Path binary() throws IOException {
        String env = System.getenv("KAFKA_ETCD_ETCD_BIN");
        if (env != null && !env.isEmpty()) {
            return Paths.get(env);
        }
        String cargoHome = System.getenv("CARGO_HOME");
        Path registry = Paths.get(cargoHome != null ? cargoHome : System.getProperty("user.home") + "/.cargo", "registry", "src");
        if (Files.isDirectory(registry)) {
            try (DirectoryStream<Path> indexes = Files.newDirectoryStream(registry)) {
                for (Path index : indexes) {
                    try (DirectoryStream<Path> crates = Files.newDirectoryStream(index, "etcd-bin-vendored-linux-amd64-*")) {
                        for (Path c : crates) {
                            Path bin = c.resolve("bin").resolve("etcd");
                            if (Files.isExecutable(bin)) {
                                return bin;
                            }
                        }
                    }
                }
            }
        }
        throw new IllegalStateException("no etcd binary: set KAFKA_ETCD_ETCD_BIN, or run `cargo test --no-run` "
                + "so the etcd-bin-vendored crate is in " + registry);
    }
}
