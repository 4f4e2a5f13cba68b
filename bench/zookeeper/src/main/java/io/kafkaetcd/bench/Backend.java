package io.kafkaetcd.bench;

import java.util.List;

/**
 * What the workloads of {@link ZkBench} need from a client library: sessions
 * with ZooKeeper's operations, asynchronous (callback on the library's event
 * thread, FIFO) and blocking, and the ways a session can die. Implemented by
 * {@link ZkBackend} (the official ZooKeeper Java client, for Apache ZooKeeper
 * and zetcd) and {@link BridgeBackend} (io.kafkaetcd.KafkaEtcdClient, the JNI
 * bridge to this crate's engine).
 */
interface Backend {

    /** The answer of an asynchronous request: ZooKeeper's numeric result code (0 is OK). */
    @FunctionalInterface
    interface Done {
        void done(int rc);
    }

    /** One session. Node events (those with a path) are queued with their arrival time. */
    interface Session {
        void create(String path, byte[] data, boolean ephemeral, Done cb);

        void getData(String path, boolean watch, Done cb);

        void setData(String path, byte[] data, int version, Done cb);

        void exists(String path, boolean watch, Done cb);

        void delete(String path, int version, Done cb);

        void createSync(String path, byte[] data, boolean ephemeral) throws Exception;

        void getDataSync(String path, boolean watch) throws Exception;

        void setDataSync(String path, byte[] data, int version) throws Exception;

        void deleteSync(String path, int version) throws Exception;

        List<String> getChildrenSync(String path, boolean watch) throws Exception;

        /**
         * Waits for the next node event; returns the System.nanoTime() at which it
         * reached the watcher callback (so a blocking call made meanwhile, e.g.
         * close(), is not counted).
         */
        long nextEvent() throws InterruptedException;

        long sessionId();

        /** The negotiated (ZooKeeper) or granted (etcd lease TTL) session timeout. */
        int sessionTimeoutMs();

        /** A clean close: ephemerals deleted, session ended. */
        void close() throws Exception;
    }

    /** A session whose death W5 times, made ready beforehand (it holds one ephemeral). */
    interface Doomed {
        /** Kills it without any goodbye; returns at once. */
        void die() throws Exception;

        /** Cleans up whatever is left (after the measurement). */
        default void cleanup() {
        }
    }

    /** Opens a session and waits until it is connected. */
    Session open(int sessionMs) throws Exception;

    /** The code of a result, for error messages. */
    String codeName(int rc);

    /**
     * Ends a session from the server side, as an operator would (etcd: revoke its
     * lease); null when the server has no such thing (ZooKeeper).
     */
    default String revokeHow() {
        return null;
    }

    /** Called once before the revoke samples (connection set-up that is no part of them). */
    default void prepareRevoke() throws Exception {
    }

    default void revoke(Session s) throws Exception {
        throw new UnsupportedOperationException("no server-side session kill");
    }

    /** How {@link #doomed} sessions die, for the report. */
    String vanishHow();

    /**
     * A session with {@code sessionMs} timeout that creates the ephemeral
     * {@code path} and then can {@link Doomed#die()} the way a killed process
     * does: no close, no goodbye; the server notices by session expiry.
     */
    Doomed doomed(String path, byte[] data, int sessionMs) throws Exception;
}
