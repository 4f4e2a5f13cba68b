package io.kafkaetcd.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;

import org.apache.zookeeper.client.ZKClientConfig;

import io.kafkaetcd.ClientConfig;
import io.kafkaetcd.KeyMaterial;

/**
 * TLS and the etcd user, read the way a Kafka broker configures ZooKeeper, so an operator
 * changes no habits:
 * <ul>
 * <li>TLS from the {@link ZKClientConfig} Kafka builds out of the broker's {@code zookeeper.ssl.*}
 * settings (or {@code --zk-tls-config-file} of the tools). Inside ZKClientConfig they carry
 * ZooKeeper's names ({@code zookeeper.client.secure}, {@code zookeeper.ssl.keyStore.location},
 * ...); the broker names ({@code zookeeper.ssl.keystore.location}, ...) are read too, for
 * embedders that set them directly. JKS, PKCS12 and PEM stores are turned into PEM here.</li>
 * <li>The etcd user: {@code kafkaetcd.etcd.user} with {@code kafkaetcd.etcd.password.file}
 * (the password is read from the file), else the {@code username}/{@code password} options of
 * the JAAS {@code Client} section the broker uses for ZooKeeper SASL.</li>
 * </ul>
 * What rustls cannot honour is refused with a message saying so. Passwords and keys never reach
 * {@link #toString()}, logs or exception messages.
 */
public final class EtcdSecurity {
    public static final String ETCD_USER = "kafkaetcd.etcd.user";
    public static final String ETCD_PASSWORD_FILE = "kafkaetcd.etcd.password.file";
    public static final String TLS_SERVER_NAME = "kafkaetcd.tls.server.name";

    /** ZooKeeper's names inside ZKClientConfig, then the broker's (KafkaConfig) names. */
    static final String[] SECURE = {"zookeeper.client.secure", "zookeeper.ssl.client.enable"};
    static final String[] KEYSTORE = {"zookeeper.ssl.keyStore.location", "zookeeper.ssl.keystore.location"};
    static final String[] KEYSTORE_PASSWORD = {"zookeeper.ssl.keyStore.password", "zookeeper.ssl.keystore.password"};
    static final String[] KEYSTORE_PASSWORD_PATH = {"zookeeper.ssl.keyStore.passwordPath"};
    static final String[] KEYSTORE_TYPE = {"zookeeper.ssl.keyStore.type", "zookeeper.ssl.keystore.type"};
    static final String[] TRUSTSTORE = {"zookeeper.ssl.trustStore.location", "zookeeper.ssl.truststore.location"};
    static final String[] TRUSTSTORE_PASSWORD = {"zookeeper.ssl.trustStore.password", "zookeeper.ssl.truststore.password"};
    static final String[] TRUSTSTORE_PASSWORD_PATH = {"zookeeper.ssl.trustStore.passwordPath"};
    static final String[] TRUSTSTORE_TYPE = {"zookeeper.ssl.trustStore.type", "zookeeper.ssl.truststore.type"};
    static final String[] PROTOCOL = {"zookeeper.ssl.protocol"};
    static final String[] ENABLED_PROTOCOLS = {"zookeeper.ssl.enabledProtocols", "zookeeper.ssl.enabled.protocols"};
    static final String[] CIPHER_SUITES = {"zookeeper.ssl.ciphersuites", "zookeeper.ssl.cipher.suites"};
    /** Kafka turns endpoint.identification.algorithm into "true" (HTTPS) or "false" here. */
    static final String[] HOSTNAME_VERIFICATION = {"zookeeper.ssl.hostnameVerification",
        "zookeeper.ssl.endpoint.identification.algorithm"};
    static final String[] CRL = {"zookeeper.ssl.crl", "zookeeper.ssl.crl.enable"};
    static final String[] OCSP = {"zookeeper.ssl.ocsp", "zookeeper.ssl.ocsp.enable"};
    /** ZooKeeper's property naming the JAAS section of the client (default "Client"). */
    static final String JAAS_SECTION = "zookeeper.sasl.clientconfig";
    static final String SASL_CLIENT = "zookeeper.sasl.client";

    private static final Set<String> RUSTLS_PROTOCOLS = new HashSet<>(Arrays.asList("TLSv1.2", "TLSv1.3"));

    private final byte[] caPem;
    private final KeyMaterial.Identity identity;
    private final String serverName;
    private final String user;
    private final String password;
    private final String userSource;

    private EtcdSecurity(byte[] caPem, KeyMaterial.Identity identity, String serverName, String user,
            String password, String userSource) {
        this.caPem = caPem;
        this.identity = identity;
        this.serverName = serverName;
        this.user = user;
        this.password = password;
        this.userSource = userSource;
    }

    /** Reads TLS and the etcd user; a setting that cannot be honoured is an IllegalArgumentException. */
    public static EtcdSecurity from(ZKClientConfig config) {
        byte[] ca = null;
        KeyMaterial.Identity id = null;
        String serverName = get(config, TLS_SERVER_NAME);
        if (bool(config, SECURE)) {
            checkSupported(config, serverName);
            try {
                ca = truststore(config);
                String ks = get(config, KEYSTORE);
                if (ks != null) {
                    id = KeyMaterial.identity(Paths.get(ks), get(config, KEYSTORE_TYPE),
                            password(config, KEYSTORE_PASSWORD, KEYSTORE_PASSWORD_PATH));
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("kafka-etcd TLS settings: " + e.getMessage(), e);
            }
        }
        String user = get(config, ETCD_USER);
        if (user != null) {
            String file = get(config, ETCD_PASSWORD_FILE);
            if (file == null) {
                throw new IllegalArgumentException(ETCD_USER + " needs " + ETCD_PASSWORD_FILE
                        + " (the file holding the etcd password)");
            }
            return new EtcdSecurity(ca, id, serverName, user, readPassword(file), ETCD_USER);
        }
        String[] jaas = jaasCredentials(config);
        if (jaas != null) {
            return new EtcdSecurity(ca, id, serverName, jaas[0], jaas[1], "JAAS section " + jaas[2]);
        }
        return new EtcdSecurity(ca, id, serverName, null, null, null);
    }

    /** Applies these settings to the Java API's configuration. */
    public ClientConfig applyTo(ClientConfig c) {
        if (caPem != null) {
            c.tls(caPem, identity == null ? null : identity.certChainPem, identity == null ? null : identity.keyPem);
            c.tlsServerName(serverName);
        }
        if (user != null) {
            c.etcdUser(user, password);
        }
        return c;
    }

    public boolean tls() {
        return caPem != null;
    }

    public String user() {
        return user;
    }

    @Override
    public String toString() {
        return "tls=" + (caPem != null) + (identity != null ? ", client certificate" : "")
                + (serverName != null ? ", tls server name=" + serverName : "")
                + (user != null ? ", etcd user=" + user + " (from " + userSource + ")" : "");
    }

    private static void checkSupported(ZKClientConfig config, String serverName) {
        String protocol = get(config, PROTOCOL);
        if (protocol != null && !protocol.equals("TLS") && !RUSTLS_PROTOCOLS.contains(protocol)) {
            throw new IllegalArgumentException("zookeeper.ssl.protocol=" + protocol + " is not supported: kafka-etcd "
                    + "speaks TLSv1.2 and TLSv1.3 (rustls), never older versions");
        }
        String enabled = get(config, ENABLED_PROTOCOLS);
        if (enabled != null) {
            Set<String> asked = new HashSet<>();
            for (String p : enabled.split(",")) {
                if (!p.trim().isEmpty()) {
                    asked.add(p.trim());
                }
            }
            if (!asked.equals(RUSTLS_PROTOCOLS) && !asked.isEmpty()) {
                throw new IllegalArgumentException("zookeeper.ssl.enabled.protocols=" + enabled + " cannot be honoured: "
                        + "kafka-etcd (rustls) always offers TLSv1.2 and TLSv1.3; leave it unset or set TLSv1.2,TLSv1.3");
            }
        }
        if (get(config, CIPHER_SUITES) != null) {
            throw new IllegalArgumentException("zookeeper.ssl.cipher.suites cannot be honoured: kafka-etcd uses rustls' "
                    + "own cipher suites (TLS 1.3 AES-GCM/ChaCha20, TLS 1.2 ECDHE with AES-GCM/ChaCha20); leave it unset");
        }
        String verify = get(config, HOSTNAME_VERIFICATION);
        if (verify != null && !verify.equalsIgnoreCase("true") && !verify.equalsIgnoreCase("HTTPS") && serverName == null) {
            throw new IllegalArgumentException("zookeeper.ssl.endpoint.identification.algorithm must stay HTTPS: "
                    + "kafka-etcd always checks etcd's certificate against a name; for IP endpoints whose certificate "
                    + "names a host, set " + TLS_SERVER_NAME + " to that name");
        }
        if (bool(config, CRL) || bool(config, OCSP)) {
            throw new IllegalArgumentException("zookeeper.ssl.crl.enable / zookeeper.ssl.ocsp.enable are not supported "
                    + "by kafka-etcd (no revocation checks); leave them false");
        }
    }

    /** The truststore's certificates as PEM; without one, the JVM's default trust store (as ZooKeeper). */
    private static byte[] truststore(ZKClientConfig config) throws IOException {
        String ts = get(config, TRUSTSTORE);
        if (ts != null) {
            return KeyMaterial.trustedCertificates(Paths.get(ts), get(config, TRUSTSTORE_TYPE),
                    password(config, TRUSTSTORE_PASSWORD, TRUSTSTORE_PASSWORD_PATH));
        }
        String jvm = System.getProperty("javax.net.ssl.trustStore");
        Path file = jvm != null ? Paths.get(jvm) : Paths.get(System.getProperty("java.home"), "lib", "security", "cacerts");
        String pw = System.getProperty("javax.net.ssl.trustStorePassword");
        return KeyMaterial.trustedCertificates(file, System.getProperty("javax.net.ssl.trustStoreType",
                java.security.KeyStore.getDefaultType()), pw == null ? null : pw.toCharArray());
    }

    private static char[] password(ZKClientConfig config, String[] keys, String[] pathKeys) {
        String path = get(config, pathKeys);
        if (path != null) {
            return readPassword(path).toCharArray();
        }
        String pw = get(config, keys);
        return pw == null ? null : pw.toCharArray();
    }

    private static String readPassword(String file) {
        try {
            String s = new String(Files.readAllBytes(Paths.get(file)), StandardCharsets.UTF_8);
            return s.endsWith("\n") ? s.substring(0, s.length() - (s.endsWith("\r\n") ? 2 : 1)) : s;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the password file " + file + ": " + e.getClass().getSimpleName());
        }
    }

    /** username/password of the JAAS section ZooKeeper's SASL client would use, if any. */
    private static String[] jaasCredentials(ZKClientConfig config) {
        String sasl = get(config, new String[] {SASL_CLIENT});
        if (sasl != null && sasl.trim().equalsIgnoreCase("false")) {
            return null;
        }
        if (System.getProperty("java.security.auth.login.config") == null) {
            return null;
        }
        String section = get(config, new String[] {JAAS_SECTION});
        section = section == null ? "Client" : section;
        AppConfigurationEntry[] entries;
        try {
            entries = Configuration.getConfiguration().getAppConfigurationEntry(section);
        } catch (SecurityException e) {
            throw new IllegalArgumentException("cannot read the JAAS configuration: " + e.getMessage());
        }
        if (entries == null) {
            return null;
        }
        for (AppConfigurationEntry e : entries) {
            Map<String, ?> o = e.getOptions();
            Object u = o.get("username");
            Object p = o.get("password");
            if (u != null) {
                return new String[] {u.toString(), p == null ? "" : p.toString(), section};
            }
        }
        return null;
    }

    private static boolean bool(ZKClientConfig config, String[] keys) {
        String v = get(config, keys);
        return v != null && v.trim().toLowerCase(Locale.ROOT).equals("true");
    }

    private static String get(ZKClientConfig config, String key) {
        return get(config, new String[] {key});
    }

    /** The first key set in the ZKClientConfig, else as a JVM system property (ZooKeeper's client does both). */
    private static String get(ZKClientConfig config, String[] keys) {
        for (String k : keys) {
            String v = config != null ? config.getProperty(k) : null;
            if (v == null) {
                v = System.getProperty(k);
            }
            if (v != null && !v.trim().isEmpty()) {
                return v.trim();
            }
        }
        return null;
    }
}
