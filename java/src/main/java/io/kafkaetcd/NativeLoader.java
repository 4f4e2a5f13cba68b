package io.kafkaetcd;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the native library once per JVM: from {@code -Dkafkaetcd.native.path}
 * when set, else from the jar resource {@code /native/<platform>/libkafka_etcd.so}
 * extracted to a temporary file. A failure names os.name, os.arch and every
 * path tried, and is repeated for later attempts.
 */
final class NativeLoader {
    static final String PATH_PROPERTY = "kafkaetcd.native.path";
    static final String LIBRARY_FILE = "libkafka_etcd.so";
    private static final Logger LOG = LoggerFactory.getLogger(NativeLoader.class);

    private static boolean loaded;
    private static String failure;

    private NativeLoader() {
    }

    static synchronized void load() {
        if (loaded) {
            return;
        }
        if (failure != null) {
            throw new UnsatisfiedLinkError(failure);
        }
        String osName = System.getProperty("os.name");
        String osArch = System.getProperty("os.arch");
        List<String> tried = new ArrayList<>();
        String override = System.getProperty(PATH_PROPERTY);
        try {
            Path lib = locate(override, osName, osArch, tried);
            System.load(lib.toAbsolutePath().toString());
            if (override == null || override.isEmpty()) {
                // Mapped now: the file is not needed any more, and a killed JVM leaves none behind.
                Files.deleteIfExists(lib);
            }
        } catch (UnsatisfiedLinkError | IOException | RuntimeException e) {
            failure = describe(e.getMessage(), osName, osArch, tried);
            throw new UnsatisfiedLinkError(failure);
        }
        loaded = true;
        LOG.debug("kafka-etcd native library {} loaded", NativeClient.nativeVersion());
        NativeLogging.start();
    }

    /**
     * The file to load: the override path, or the bundled resource extracted
     * to a temporary file. Adds each place looked at to {@code tried}.
     */
    static Path locate(String override, String osName, String osArch, List<String> tried) throws IOException {
        if (override != null && !override.isEmpty()) {
            tried.add(override + " (-D" + PATH_PROPERTY + ")");
            File f = new File(override);
            if (!f.isFile()) {
                throw new UnsatisfiedLinkError("no file at " + override);
            }
            return f.toPath();
        }
        String platform = platform(osName, osArch);
        if (platform == null) {
            throw new UnsatisfiedLinkError("unsupported platform (only linux-x86_64 is bundled)");
        }
        String resource = "/native/" + platform + "/" + LIBRARY_FILE;
        tried.add("classpath:" + resource);
        try (InputStream in = NativeLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new UnsatisfiedLinkError("the jar has no " + resource);
            }
            Path tmp = Files.createTempFile("libkafka_etcd-", ".so");
            tried.add(tmp + " (extracted)");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            tmp.toFile().deleteOnExit();
            return tmp;
        }
    }

    /** The bundled library's folder for this platform, or null if none is bundled. */
    static String platform(String osName, String osArch) {
        String os = osName == null ? "" : osName.toLowerCase(Locale.ROOT);
        String arch = osArch == null ? "" : osArch.toLowerCase(Locale.ROOT);
        if (os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64"))) {
            return "linux-x86_64";
        }
        return null;
    }

    static String describe(String reason, String osName, String osArch, List<String> tried) {
        return "kafka-etcd native library not loaded: " + reason + "; os.name=" + osName + ", os.arch=" + osArch
                + ", tried " + (tried.isEmpty() ? "nothing" : String.join(", ", tried))
                + "; set -D" + PATH_PROPERTY + "=/path/to/" + LIBRARY_FILE + " to use another file";
    }
}
