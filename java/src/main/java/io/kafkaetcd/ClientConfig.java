package io.kafkaetcd;

import java.nio.charset.StandardCharsets;

/**
 * Settings of one client; the defaults are Kafka-like and match the engine's. Fluent setters.
 * The private key and the etcd password never appear in {@link #toString()}.
 */
public final class ClientConfig {
    private int sessionTimeoutMs = 18_000;
    private int connectTimeoutMs = 15_000;
    private int requestTimeoutMs = 10_000;
    private String namespace = "zk";
    private int maxDataBytes = 1024 * 1024;
    private int maxInFlight = 1000; // the engine's default: deep write pipelines fold into few etcd txns
    private String eventThreadName; // null: kafka-etcd-event-N
    // TLS to etcd (null CA: plaintext) and the etcd user.
    private byte[] tlsCaPem;
    private byte[] tlsCertPem;
    private byte[] tlsKeyPem;
    private String tlsServerName;
    private String etcdUser;
    private String etcdPassword;

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

    /**
     * TLS to etcd: the PEM CA certificate(s) that sign etcd's server certificates, and
     * optionally a PEM client certificate chain and its PEM private key (PKCS#8, PKCS#1
     * or SEC1) for etcd's {@code --client-cert-auth}. Endpoints are then reached over https.
     */
    public ClientConfig tls(byte[] caPem, byte[] clientCertPem, byte[] clientKeyPem) {
        if (caPem == null || caPem.length == 0) {
            throw new IllegalArgumentException("TLS needs the CA certificate(s) in PEM");
        }
        if ((clientCertPem == null) != (clientKeyPem == null)) {
            throw new IllegalArgumentException("a client certificate needs both the certificate and its key");
        }
        tlsCaPem = caPem.clone();
        tlsCertPem = clientCertPem == null ? null : clientCertPem.clone();
        tlsKeyPem = clientKeyPem == null ? null : clientKeyPem.clone();
        return this;
    }

    /** Name checked against etcd's server certificate instead of the endpoint's host (null: the host). */
    public ClientConfig tlsServerName(String name) {
        tlsServerName = name == null || name.isEmpty() ? null : name;
        return this;
    }

    /** etcd user and password, for an etcd with authentication enabled (null user: none). */
    public ClientConfig etcdUser(String user, String password) {
        if (user != null && user.isEmpty()) {
            throw new IllegalArgumentException("etcd user name must not be empty");
        }
        etcdUser = user;
        etcdPassword = user == null ? null : (password == null ? "" : password);
        return this;
    }

    public boolean tlsEnabled() { return tlsCaPem != null; }
    public boolean hasClientCertificate() { return tlsCertPem != null; }
    public String tlsServerName() { return tlsServerName; }
    public String etcdUser() { return etcdUser; }

    /** The TLS and etcd user settings in the native encoding (see Wire). */
    byte[] encodeSecurity() {
        return Wire.encodeSecurity(tlsCaPem, tlsCertPem, tlsKeyPem, utf8(tlsServerName), utf8(etcdUser), utf8(etcdPassword));
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "ClientConfig{sessionTimeoutMs=" + sessionTimeoutMs + ", connectTimeoutMs=" + connectTimeoutMs
                + ", requestTimeoutMs=" + requestTimeoutMs + ", namespace=" + namespace + ", maxDataBytes="
                + maxDataBytes + ", maxInFlight=" + maxInFlight + ", tls=" + tlsEnabled() + ", clientCertificate="
                + hasClientCertificate() + ", tlsServerName=" + tlsServerName + ", etcdUser=" + etcdUser
                + (etcdUser != null ? ", etcdPassword=<redacted>" : "") + ", eventThreadName=" + eventThreadName + "}";
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
