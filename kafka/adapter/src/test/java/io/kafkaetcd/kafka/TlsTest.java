package io.kafkaetcd.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import javax.security.auth.login.Configuration;

import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.metrics.KafkaYammerMetrics;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.client.ZKClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.yammer.metrics.core.Meter;
import com.yammer.metrics.core.Metric;
import com.yammer.metrics.core.MetricName;
import com.yammer.metrics.core.MetricsRegistryListener;

import io.kafkaetcd.EtcdServer;
import io.kafkaetcd.TestPki;
import kafka.server.KafkaConfig;
import kafka.server.KafkaServer;
import kafka.zookeeper.CreateResponse;
import kafka.zookeeper.ZooKeeperClient;
import kafka.zookeeper.ZooKeeperClientAuthFailedException;

/**
 * The adapter against an etcd that wants TLS with client certificates and etcd users, configured
 * the way a broker configures ZooKeeper: zookeeper.ssl.* (JKS, PKCS12, PEM) turned into a
 * ZKClientConfig by Kafka's own code, and the JAAS Client section. Nothing secret in the logs.
 */
class TlsTest {
    private static final String PW = TestPki.PASSWORD;
    private static final AtomicInteger IDS = new AtomicInteger();
    private static Path dir;
    private static TestPki pki;
    private static EtcdServer etcd;
    /** The slf4j binding on the test classpath is logback (through ZooKeeper). */
    private Captured appender;

    /**
     * Keeps every log event. Thread-safe: the native library's log records
     * reach logback from its own thread, and one may still arrive while a
     * test's events are read (logback's ListAppender would throw
     * ConcurrentModificationException then).
     */
    static final class Captured extends ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent> {
        final java.util.List<ch.qos.logback.classic.spi.ILoggingEvent> list =
                new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        protected void append(ch.qos.logback.classic.spi.ILoggingEvent e) {
            list.add(e);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.withServerAndClient("kafka-etcd-adapter-pki-");
        dir = pki.dir;
        pki.jks("client");
        pki.truststore("JKS");
        pki.truststore("PKCS12");
        Files.writeString(dir.resolve("etcd-password"), "pw-a\n");
        etcd = pki.startSecureEtcd();
    }

    @AfterAll
    static void stop() throws Exception {
        if (pki != null) {
            pki.close(); // etcd too
        }
    }

    @BeforeEach
    void captureLogs() {
        appender = new Captured();
        appender.start();
        root().addAppender(appender);
    }

    private static ch.qos.logback.classic.Logger root() {
        return (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    @AfterEach
    void noSecretsLogged() {
        root().detachAppender(appender);
        StringBuilder b = new StringBuilder();
        for (ch.qos.logback.classic.spi.ILoggingEvent e : appender.list) {
            b.append(e.getFormattedMessage()).append('\n');
            for (ch.qos.logback.classic.spi.IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                b.append(t.getMessage()).append('\n');
            }
        }
        String out = b.toString();
        assertTrue(out.contains("kafka-etcd") || out.contains("zookeeper.ssl"), "no logs captured: " + out);
        for (String secret : new String[] {"pw-a", PW, "PRIVATE KEY", "wrong-pw"}) {
            assertFalse(out.contains(secret), "logs hold a secret (" + secret + "):\n" + out);
        }
    }

    /** The ZKClientConfig a broker builds from these server.properties, by Kafka's own code. */
    private static ZKClientConfig brokerConfig(Properties ssl) {
        Properties p = new Properties();
        p.put("zookeeper.connect", etcd.endpoint());
        p.put("broker.id", "0");
        p.put("zookeeper.ssl.client.enable", "true");
        p.put("zookeeper.clientCnxnSocket", "org.apache.zookeeper.ClientCnxnSocketNetty");
        p.putAll(ssl);
        ZKClientConfig c = KafkaServer.zkClientConfigFromKafkaConfig(KafkaConfig.fromProps(p), false);
        c.setProperty(AdapterSettings.NAMESPACE, "a");
        return c;
    }

    private static Properties stores(String keystore, String keystoreType, String truststore, String trustType) {
        Properties p = new Properties();
        p.put("zookeeper.ssl.keystore.location", dir.resolve(keystore).toString());
        p.put("zookeeper.ssl.keystore.type", keystoreType);
        if (!keystoreType.equals("PEM")) {
            p.put("zookeeper.ssl.keystore.password", PW);
        }
        p.put("zookeeper.ssl.truststore.location", truststore.startsWith("/") ? truststore : dir.resolve(truststore).toString());
        p.put("zookeeper.ssl.truststore.type", trustType);
        if (!trustType.equals("PEM")) {
            p.put("zookeeper.ssl.truststore.password", PW);
        }
        return p;
    }

    private static ZooKeeperClient client(ZKClientConfig config, String metricType) {
        return new ZooKeeperClient(etcd.endpoint(), 6000, 10_000, 10, Time.SYSTEM, "kafka.server", metricType, config,
                "tls test client");
    }

    private static void worksWith(ZKClientConfig config) {
        config.setProperty(EtcdSecurity.ETCD_USER, "user-a");
        config.setProperty(EtcdSecurity.ETCD_PASSWORD_FILE, dir.resolve("etcd-password").toString());
        ZooKeeperClient c = client(config, "TlsTest" + IDS.incrementAndGet());
        try {
            String path = "/tls-" + IDS.incrementAndGet();
            CreateResponse r = (CreateResponse) c.handleRequest(AdapterTestBase.create(path, new byte[] {1}, CreateMode.EPHEMERAL));
            assertEquals(Code.OK, r.resultCode());
        } finally {
            c.close();
        }
    }

    @Test
    void jksStores() {
        worksWith(brokerConfig(stores("client.jks", "JKS", "truststore.jks", "JKS")));
    }

    @Test
    void pkcs12Stores() {
        worksWith(brokerConfig(stores("client.p12", "PKCS12", "truststore.p12", "PKCS12")));
    }

    @Test
    void pemStores() {
        worksWith(brokerConfig(stores("client.pem", "PEM", pki.caPem.toString(), "PEM")));
    }

    @Test
    void jaasClientSectionGivesTheEtcdUser() throws Exception {
        Path jaas = dir.resolve("jaas.conf");
        Files.writeString(jaas, "Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n"
                + "  username=\"user-a\"\n  password=\"pw-a\";\n};\n");
        System.setProperty("java.security.auth.login.config", jaas.toString());
        Configuration.setConfiguration(null); // re-read the file
        try {
            ZKClientConfig config = brokerConfig(stores("client.p12", "PKCS12", "truststore.p12", "PKCS12"));
            assertTrue(AdapterSettings.from(config).toString().contains("user-a (from JAAS section Client)"));
            ZooKeeperClient c = client(config, "TlsTest" + IDS.incrementAndGet());
            c.close();
        } finally {
            System.clearProperty("java.security.auth.login.config");
            Configuration.setConfiguration(null);
        }
    }

    @Test
    void wrongPasswordIsAnAuthFailureKafkaCounts() throws Exception {
        ZKClientConfig config = brokerConfig(stores("client.p12", "PKCS12", "truststore.p12", "PKCS12"));
        Files.writeString(dir.resolve("wrong-password"), "wrong-pw");
        config.setProperty(EtcdSecurity.ETCD_USER, "user-a");
        config.setProperty(EtcdSecurity.ETCD_PASSWORD_FILE, dir.resolve("wrong-password").toString());
        String type = "TlsTestAuth" + IDS.incrementAndGet();
        AtomicReference<Meter> authFailures = new AtomicReference<>();
        MetricsRegistryListener listener = new MetricsRegistryListener() {
            @Override
            public void onMetricAdded(MetricName name, Metric metric) {
                if (name.getType().equals(type) && name.getName().equals("ZooKeeperAuthFailuresPerSec")) {
                    authFailures.set((Meter) metric);
                }
            }

            @Override
            public void onMetricRemoved(MetricName name) {
            }
        };
        KafkaYammerMetrics.defaultRegistry().addListener(listener);
        try {
            ZooKeeperClientAuthFailedException e = assertThrows(ZooKeeperClientAuthFailedException.class,
                    () -> client(config, type));
            assertTrue(e.getMessage().contains("AUTHFAILED") && e.getMessage().contains("user name or password"),
                    e.getMessage());
            assertFalse(e.getMessage().contains("wrong-pw"));
            assertEquals(1, authFailures.get().count());
        } finally {
            KafkaYammerMetrics.defaultRegistry().removeListener(listener);
        }
    }

    @Test
    void whatRustlsCannotHonourIsRefusedClearly() {
        Properties p = stores("client.p12", "PKCS12", "truststore.p12", "PKCS12");
        p.put("zookeeper.ssl.cipher.suites", "TLS_AES_128_GCM_SHA256");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AdapterSettings.from(brokerConfig(p)));
        assertTrue(e.getMessage().contains("cipher.suites"), e.getMessage());
        Properties q = stores("client.p12", "PKCS12", "truststore.p12", "PKCS12");
        q.put("zookeeper.ssl.enabled.protocols", "TLSv1.2");
        e = assertThrows(IllegalArgumentException.class, () -> AdapterSettings.from(brokerConfig(q)));
        assertTrue(e.getMessage().contains("TLSv1.2 and TLSv1.3"), e.getMessage());
        Properties r = stores("client.p12", "PKCS12", "truststore.p12", "PKCS12");
        r.put("zookeeper.ssl.endpoint.identification.algorithm", "");
        e = assertThrows(IllegalArgumentException.class, () -> AdapterSettings.from(brokerConfig(r)));
        assertTrue(e.getMessage().contains(EtcdSecurity.TLS_SERVER_NAME), e.getMessage());
        Properties s = stores("client.p12", "PKCS12", "truststore.p12", "PKCS12");
        s.put("zookeeper.ssl.keystore.password", "not-it");
        e = assertThrows(IllegalArgumentException.class, () -> AdapterSettings.from(brokerConfig(s)));
        assertTrue(e.getMessage().contains("client.p12"), e.getMessage());
        assertFalse(e.getMessage().contains("not-it"), e.getMessage());
        // Supported values pass.
        Properties ok = stores("client.p12", "PKCS12", "truststore.p12", "PKCS12");
        ok.put("zookeeper.ssl.protocol", "TLSv1.3");
        ok.put("zookeeper.ssl.enabled.protocols", "TLSv1.3,TLSv1.2");
        assertTrue(AdapterSettings.from(brokerConfig(ok)).security().tls());
    }
}
