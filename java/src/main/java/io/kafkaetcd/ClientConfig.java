package io.kafkaetcd;

/** Settings of one client; the defaults are Kafka-like and match the engine's. Fluent setters. */
public final class ClientConfig {
    private int sessionTimeoutMs = 18_000;
    private int connectTimeoutMs = 15_000;
    private int requestTimeoutMs = 10_000;
    private String namespace = "zk";
    private int maxDataBytes = 1024 * 1024;
    private int maxInFlight = 256; // the engine's default: deep write pipelines are what make etcd fast
    private String eventThreadName; // null: kafka-etcd-event-N

    /** Session timeout; the etcd lease TTL is this rounded up to whole seconds. */
    public ClientConfig sessionTimeoutMs(int v) {
        sessionTimeoutMs = positive("sessionTimeoutMs", v);
        return this;
    }

    /** How long {@link KafkaEtcdClient#open} may take. */
    public ClientConfig connectTimeoutMs(int v) {
        connectTimeoutMs = positive("connectTimeoutMs", v);
        return this;
    }

    /** Bound on one request, failover included; past it the answer is CONNECTIONLOSS. */
    public ClientConfig requestTimeoutMs(int v) {
        requestTimeoutMs = positive("requestTimeoutMs", v);
        return this;
    }

    /**
     * Key prefix of the metastore in etcd: 1 to 128 characters from
     * {@code A-Z a-z 0-9 . _ -}. No {@code /}, so that no namespace can
     * live inside another's keys (the native library checks the same rule).
     */
    public ClientConfig namespace(String v) {
        if (v == null || !v.matches("[A-Za-z0-9._-]{1,128}")) {
            throw new IllegalArgumentException("namespace \"" + v
                    + "\" is not 1 to 128 characters from A-Z a-z 0-9 . _ - (no '/': namespaces must not nest)");
        }
        namespace = v;
        return this;
    }

    /** Largest znode data accepted; larger is BADARGUMENTS. */
    public ClientConfig maxDataBytes(int v) {
        maxDataBytes = positive("maxDataBytes", v);
        return this;
    }

    /** etcd write txns in flight at once per client (reads are batched separately). */
    public ClientConfig maxInFlight(int v) {
        maxInFlight = positive("maxInFlight", v);
        return this;
    }

    /**
     * Name of the client's event thread (the one that runs callbacks and
     * watchers); null, the default, names it {@code kafka-etcd-event-N}. The
     * Kafka adapter names it as ZooKeeper's client does ({@code ...-EventThread}),
     * which Kafka's tests look for.
     */
    public ClientConfig eventThreadName(String v) {
        if (v != null && v.isEmpty()) {
            throw new IllegalArgumentException("eventThreadName must not be empty");
        }
        eventThreadName = v;
        return this;
    }

    public int sessionTimeoutMs() { return sessionTimeoutMs; }
    public int connectTimeoutMs() { return connectTimeoutMs; }
    public int requestTimeoutMs() { return requestTimeoutMs; }
    public String namespace() { return namespace; }
    public int maxDataBytes() { return maxDataBytes; }
    public int maxInFlight() { return maxInFlight; }
    public String eventThreadName() { return eventThreadName; }

    private static int positive(String what, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + v);
        }
        return v;
    }
}
