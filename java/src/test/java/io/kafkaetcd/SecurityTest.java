package io.kafkaetcd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TLS with client certificates and etcd users through the Java API, against a real etcd. */
class SecurityTest {
    private static Path dir;
    private static TestPki pki;
    private static EtcdServer etcd;
    private static byte[] ca;
    private static byte[] cert;
    private static byte[] key;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.withServerAndClient("kafka-etcd-pki-");
        dir = pki.dir;
        ca = Files.readAllBytes(pki.caPem);
        cert = Files.readAllBytes(dir.resolve("client.crt.pem"));
        key = Files.readAllBytes(dir.resolve("client.key.pem"));
        etcd = pki.startSecureEtcd();
    }

    @AfterAll
    static void stop() throws Exception {
        if (pki != null) {
            pki.close(); // etcd too
        }
    }

    private static ClientConfig config() {
        return new ClientConfig().sessionTimeoutMs(6_000).connectTimeoutMs(10_000).requestTimeoutMs(5_000)
                .namespace("a");
    }

    @Test
    void mtlsWithAnEtcdUserWorks() throws Exception {
        ClientConfig c = config().tls(ca, cert, key).etcdUser("user-a", "pw-a");
        try (KafkaEtcdClient client = KafkaEtcdClient.open(etcd.endpoint(), c, null)) {
            client.create("/secure", "x".getBytes(StandardCharsets.UTF_8), Acl.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            assertArrayEquals("x".getBytes(StandardCharsets.UTF_8), client.getData("/secure", false, null));
        }
    }

    @Test
    void wrongPasswordIsAuthFailedAndNeverShown() {
        ClientConfig c = config().tls(ca, cert, key).etcdUser("user-a", "s3cret-wrong");
        KeeperException e = assertThrows(KeeperException.AuthFailedException.class,
                () -> KafkaEtcdClient.open(etcd.endpoint(), c, null));
        assertTrue(e.getMessage().contains("user name or password"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret-wrong"), e.getMessage());
        assertFalse(c.toString().contains("s3cret-wrong"), c.toString());
        assertFalse(c.toString().contains("PRIVATE KEY"), c.toString());
    }

    @Test
    void certificateProblemsNameTheirCause() {
        KeeperException noCert = assertThrows(KeeperException.AuthFailedException.class,
                () -> KafkaEtcdClient.open(etcd.endpoint(), config().tls(ca, null, null).etcdUser("user-a", "pw-a"), null));
        assertTrue(noCert.getMessage().contains("requires a client certificate"), noCert.getMessage());
        assertTrue(noCert.getMessage().contains(etcd.endpoint()), noCert.getMessage());
        KeeperException plain = assertThrows(KeeperException.AuthFailedException.class,
                () -> KafkaEtcdClient.open(etcd.endpoint(), config(), null));
        assertTrue(plain.getMessage().contains("requires TLS"), plain.getMessage());
        KeeperException other = assertThrows(KeeperException.NoAuthException.class,
                () -> KafkaEtcdClient.open(etcd.endpoint(), config().namespace("b").tls(ca, cert, key)
                        .etcdUser("user-a", "pw-a"), null));
        assertTrue(other.getMessage().contains("permission denied"), other.getMessage());
    }

    @Test
    void keystoresOfEveryTypeGiveTheSamePem() throws Exception {
        char[] pw = TestPki.PASSWORD.toCharArray();
        KeyMaterial.Identity p12 = KeyMaterial.identity(dir.resolve("client.p12"), "PKCS12", pw);
        KeyMaterial.Identity jks = KeyMaterial.identity(pki.jks("client"), "JKS", pw);
        KeyMaterial.Identity pem = KeyMaterial.identity(dir.resolve("client.pem"), "PEM", null);
        assertArrayEquals(p12.certChainPem, jks.certChainPem);
        assertArrayEquals(p12.keyPem, jks.keyPem);
        assertArrayEquals(p12.keyPem, pem.keyPem);
        assertFalse(p12.toString().contains("PRIVATE"));
        byte[] trustJks = KeyMaterial.trustedCertificates(pki.truststore("JKS"), null, pw);
        byte[] trustP12 = KeyMaterial.trustedCertificates(pki.truststore("PKCS12"), "PKCS12", pw);
        assertEquals(new String(trustJks, StandardCharsets.US_ASCII).trim(),
                new String(ca, StandardCharsets.US_ASCII).trim().replace("\r", ""));
        assertArrayEquals(trustJks, trustP12);
        java.io.IOException wrong = assertThrows(java.io.IOException.class,
                () -> KeyMaterial.identity(dir.resolve("client.p12"), "PKCS12", "nope-pw".toCharArray()));
        assertFalse(wrong.getMessage().contains("nope-pw"), wrong.getMessage());
    }
}
