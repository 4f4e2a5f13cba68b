package io.kafkaetcd;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards the native library's log records (Rust {@code log} crate; Rust
 * side: src/jni/logging.rs) to SLF4J on one Java daemon thread,
 * {@code kafka-etcd-log}. Levels are kept; a Rust target such as
 * {@code kafka_etcd::engine::session} becomes the logger
 * {@code kafka_etcd.engine.session}, so Java logging configurations can set
 * levels by prefix ({@code kafka_etcd}). The native side only formats records
 * at or above the most verbose level enabled for {@code kafka_etcd}, checked
 * again whenever the thread is idle.
 */
final class NativeLogging implements Runnable {
    static final String ROOT = "kafka_etcd";
    private static final int POLL_MS = 1000;

    private final Map<String, Logger> loggers = new ConcurrentHashMap<>();
    private int level;

    private NativeLogging(int level) {
        this.level = level;
    }

    /** Called once, right after the library is loaded. */
    static void start() {
        int level = currentLevel();
        NativeClient.initLogging(level);
        Thread t = new Thread(new NativeLogging(level), "kafka-etcd-log");
        t.setDaemon(true);
        t.start();
    }

    /** 0 off, 1 error, 2 warn, 3 info, 4 debug, 5 trace: what SLF4J has enabled for {@value #ROOT}. */
    static int currentLevel() {
        Logger l = LoggerFactory.getLogger(ROOT);
        if (l.isTraceEnabled()) {
            return 5;
        }
        if (l.isDebugEnabled()) {
            return 4;
        }
        if (l.isInfoEnabled()) {
            return 3;
        }
        if (l.isWarnEnabled()) {
            return 2;
        }
        return l.isErrorEnabled() ? 1 : 0;
    }

    /** The SLF4J logger name for a Rust target. */
    static String loggerName(String target) {
        return target.replace("::", ".");
    }

    @Override
    public void run() {
        while (true) {
            byte[] batch;
            try {
                batch = NativeClient.pollLogs(POLL_MS);
            } catch (RuntimeException e) {
                LoggerFactory.getLogger(NativeLogging.class).error("kafka-etcd: polling native logs failed", e);
                return;
            }
            if (batch == null) {
                refreshLevel();
                continue;
            }
            try {
                ByteBuffer b = ByteBuffer.wrap(batch);
                while (b.hasRemaining()) {
                    int lvl = b.getInt();
                    String target = Wire.readString(b);
                    String message = Wire.readString(b);
                    forward(lvl, target, message);
                }
            } catch (RuntimeException e) {
                LoggerFactory.getLogger(NativeLogging.class).error("kafka-etcd: undecodable native log records", e);
            }
        }
    }

    private void refreshLevel() {
        int now = currentLevel();
        if (now != level) {
            level = now;
            NativeClient.setLogLevel(now);
        }
    }

    private void forward(int lvl, String target, String message) {
        Logger log = loggers.computeIfAbsent(target, t -> LoggerFactory.getLogger(loggerName(t)));
        switch (lvl) {
            case 1:
                log.error(message);
                break;
            case 2:
                log.warn(message);
                break;
            case 3:
                log.info(message);
                break;
            case 4:
                log.debug(message);
                break;
            default:
                log.trace(message);
                break;
        }
    }
}
