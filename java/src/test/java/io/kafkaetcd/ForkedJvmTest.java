package io.kafkaetcd;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** Process-level behaviour, each in a fresh JVM: exit without close, logging, library loading. */
class ForkedJvmTest extends EtcdTestBase {
    /** What a forked JVM printed, and how long it ran. */
    static final class Run {
        final List<String> stdout;
        final String stderr;
        final long millis;
        final int exit;

        Run(List<String> stdout, String stderr, long millis, int exit) {
            this.stdout = stdout;
            this.stderr = stderr;
            this.millis = millis;
            this.exit = exit;
        }
    }

    static Run fork(List<String> jvmArgs, String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", cp));
        cmd.addAll(jvmArgs);
        cmd.add(ExitProbe.class.getName());
        cmd.addAll(Arrays.asList(args));
        File out = File.createTempFile("probe", ".out");
        File err = File.createTempFile("probe", ".err");
        try {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectOutput(out).redirectError(err).start();
            boolean ended = p.waitFor(60, TimeUnit.SECONDS);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            if (!ended) {
                p.destroyForcibly().waitFor();
            }
            String stderr = Files.readString(err.toPath(), StandardCharsets.UTF_8);
            assertTrue(ended, "the forked JVM did not exit within 60 s; stderr:\n" + stderr);
            return new Run(Files.readAllLines(out.toPath(), StandardCharsets.UTF_8), stderr, ms, p.exitValue());
        } finally {
            out.delete();
            err.delete();
        }
    }

    @Test
    void jvmExitsPromptlyWithoutClose() throws Exception {
        Run r = fork(List.of(), "noclose", etcd.endpoint());
        assertEquals(0, r.exit, r.stderr);
        assertEquals("ready", r.stdout.get(r.stdout.size() - 1), r.stdout + "\n" + r.stderr);
        // The whole JVM (start, connect, requests, exit) well within a few seconds.
        assertTrue(r.millis < 8_000, "the JVM took " + r.millis + " ms");
        // Only Java's own daemon threads: the runtime's I/O threads are never attached.
        for (String line : r.stdout) {
            if (line.startsWith("thread ")) {
                assertTrue(line.endsWith("daemon=true"), line);
                assertFalse(line.contains("kafka-etcd-io"), line);
            }
        }
        assertTrue(r.stdout.stream().anyMatch(l -> l.startsWith("thread kafka-etcd-event-")), r.stdout.toString());
        assertTrue(r.stdout.stream().anyMatch(l -> l.startsWith("thread kafka-etcd-log")), r.stdout.toString());
    }

    @Test
    void nativeLogsReachSlf4jWithLevelAndTargetAndNothingReachesStdout() throws Exception {
        Run r = fork(List.of("-Dorg.slf4j.simpleLogger.log.kafka_etcd=debug"), "noclose", etcd.endpoint());
        assertEquals(0, r.exit, r.stderr);
        assertTrue(r.stderr.contains("INFO kafka_etcd.engine.client - session 0x"), r.stderr);
        for (String line : r.stdout) {
            assertTrue(line.equals("ready") || line.startsWith("thread "), "stray stdout line: " + line);
        }
    }

    @Test
    void overridePathIsUsed() throws Exception {
        Path lib = Path.of("target", "classes", "native", "linux-x86_64", "libkafka_etcd.so").toAbsolutePath();
        Run r = fork(List.of("-Dkafkaetcd.native.path=" + lib), "load");
        assertTrue(r.stdout.get(0).startsWith("loaded "), r.stdout + r.stderr);
    }

    @Test
    void missingLibraryNamesPlatformAndPathsTried() throws Exception {
        Run r = fork(List.of("-Dkafkaetcd.native.path=/nonexistent/libkafka_etcd.so"), "load");
        String line = r.stdout.get(0);
        assertTrue(line.startsWith("error: kafka-etcd native library not loaded"), line);
        assertTrue(line.contains("os.name=" + System.getProperty("os.name")), line);
        assertTrue(line.contains("os.arch=" + System.getProperty("os.arch")), line);
        assertTrue(line.contains("/nonexistent/libkafka_etcd.so"), line);
    }
}
