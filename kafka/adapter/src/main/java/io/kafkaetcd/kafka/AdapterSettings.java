package io.kafkaetcd.kafka;

import java.util.Locale;

import org.apache.zookeeper.client.ZKClientConfig;

import io.kafkaetcd.ClientConfig;

/**
 * The adapter's own knobs, beyond what Kafka passes to the ZooKeeperClient
 * constructor (connect string, session and connection timeouts, max in-flight
 * requests). Kafka has no place for them in server.properties, so each is read
 * from the ZKClientConfig given to the client (tests, embedders) and else from
 * a JVM system property of the same name ({@code KAFKA_OPTS="-Dkafkaetcd.namespace=prod"}).
 * Documented in kafka/adapter/README.md.
 */
public final class AdapterSettings {
    public static final String NAMESPACE = "kafkaetcd.namespace";
    public static final String REQUEST_TIMEOUT_MS = "kafkaetcd.request.timeout.ms";
    public static final String MAX_DATA_BYTES = "kafkaetcd.max.data.bytes";
    public static final String ETCD_MAX_IN_FLIGHT = "kafkaetcd.etcd.max.in.flight";

    private static final ClientConfig DEFAULTS = new ClientConfig();

    private final String namespace;
    private final int requestTimeoutMs;
    private final int maxDataBytes;
    private final int etcdMaxInFlight;
    private final EtcdSecurity security;

    private AdapterSettings(String namespace, int requestTimeoutMs, int maxDataBytes, int etcdMaxInFlight,
            EtcdSecurity security) {
        this.security = security;
        this.namespace = namespace;
        this.requestTimeoutMs = requestTimeoutMs;
        this.maxDataBytes = maxDataBytes;
        this.etcdMaxInFlight = etcdMaxInFlight;
    }

    /** Reads every knob; a malformed value is an IllegalArgumentException naming the knob. */
    public static AdapterSettings from(ZKClientConfig config) {
        return new AdapterSettings(
                string(config, NAMESPACE, DEFAULTS.namespace()),
                positive(config, REQUEST_TIMEOUT_MS, DEFAULTS.requestTimeoutMs()),
                positive(config, MAX_DATA_BYTES, DEFAULTS.maxDataBytes()),
                positive(config, ETCD_MAX_IN_FLIGHT, DEFAULTS.maxInFlight()),
                EtcdSecurity.from(config));
    }

    /** The Java API's settings for one session. */
    public ClientConfig clientConfig(int sessionTimeoutMs, int connectTimeoutMs) {
        return security.applyTo(new ClientConfig()
                .sessionTimeoutMs(sessionTimeoutMs)
                .connectTimeoutMs(connectTimeoutMs)
                .requestTimeoutMs(requestTimeoutMs)
                .namespace(namespace)
                .maxDataBytes(maxDataBytes)
                .maxInFlight(etcdMaxInFlight));
    }

    public String namespace() { return namespace; }
    public int requestTimeoutMs() { return requestTimeoutMs; }
    public int maxDataBytes() { return maxDataBytes; }
    public int etcdMaxInFlight() { return etcdMaxInFlight; }
    public EtcdSecurity security() { return security; }

    private static String string(ZKClientConfig config, String key, String dflt) {
        String v = config != null ? config.getProperty(key) : null;
        if (v == null) {
            v = System.getProperty(key);
        }
        return v == null || v.trim().isEmpty() ? dflt : v.trim();
    }

    private static int positive(ZKClientConfig config, String key, int dflt) {
        String v = string(config, key, null);
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + " must be a positive integer, got '" + v + "'");
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s=%s, %s=%d, %s=%d, %s=%d, %s", NAMESPACE, namespace,
                REQUEST_TIMEOUT_MS, requestTimeoutMs, MAX_DATA_BYTES, maxDataBytes, ETCD_MAX_IN_FLIGHT, etcdMaxInFlight,
                security);
    }
}
