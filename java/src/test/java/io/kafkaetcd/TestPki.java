package io.kafkaetcd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Certificates made in the test with the JDK's keytool (nothing else needed): a CA, a
 * server certificate for localhost/127.0.0.1, client certificates, each as a PKCS12 and a
 * JKS keystore and as PEM, and truststores holding the CA. Shared with kafka/adapter's tests.
 * {@link #close()} stops the etcd {@link #startSecureEtcd()} started and removes the files.
 */
public final class TestPki implements AutoCloseable {
    public static final String PASSWORD = "changeit";
    public final Path dir;
    public final Path caPem;
    private EtcdServer etcd;

    public TestPki(Path dir) throws IOException, InterruptedException {
        this.dir = dir;
        this.caPem = dir.resolve("ca.pem");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=kafka-etcd-test-ca", "-ext", "bc:c", "-validity", "3", "-keystore", p("ca.p12"),
                "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", p("ca.p12"), "-storepass", PASSWORD,
                "-file", caPem.toString());
    }

    /**
     * A fresh directory with a CA, etcd's server certificate ({@code server.*}) and a client
     * certificate for CN "kafka" ({@code client.p12}, {@code client.crt.pem}/{@code client.key.pem}).
     */
    public static TestPki withServerAndClient(String dirPrefix) throws IOException, InterruptedException {
        TestPki pki = new TestPki(Files.createTempDirectory(dirPrefix));
        pki.issue("server", "localhost", true);
        pki.pem("server");
        pki.issue("client", "kafka", false);
        pki.pem("client");
        return pki;
    }

    /**
     * An etcd serving TLS only with this CA's server certificate, client certificates
     * required, and authentication on: user "user-a" (password "pw-a") with readwrite on "a/" only.
     */
    public EtcdServer startSecureEtcd() throws IOException, InterruptedException {
        EtcdServer etcd = EtcdServer.start(new Path[] {dir.resolve("server.crt.pem"), dir.resolve("server.key.pem"),
            caPem}, List.of());
        try {
            etcd.enableAuth("root-pw", new String[] {"user-a", "pw-a", "a/"});
        } catch (IOException | RuntimeException e) {
            etcd.close();
            throw e;
        }
        this.etcd = etcd;
        return etcd;
    }

    /** Stops the etcd of {@link #startSecureEtcd()}, if any, and removes the directory. */
    @Override
    public void close() throws IOException {
        try {
            if (etcd != null) {
                etcd.close();
            }
        } finally {
            delete();
        }
    }

    /** Removes the directory and everything in it. */
    public void delete() throws IOException {
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    /** A PKCS12 keystore {@code <name>.p12} with a key and a CA-signed certificate for {@code cn}. */
    public Path issue(String name, String cn, boolean server) throws IOException, InterruptedException {
        String ks = p(name + ".p12");
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + cn,
                "-validity", "3", "-keystore", ks, "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-certreq", "-alias", name, "-keystore", ks, "-storepass", PASSWORD, "-file", p(name + ".csr"));
        List<String> gen = new ArrayList<>(Arrays.asList("-gencert", "-alias", "ca", "-keystore", p("ca.p12"),
                "-storepass", PASSWORD, "-infile", p(name + ".csr"), "-outfile", p(name + ".crt"), "-rfc",
                "-validity", "3"));
        gen.addAll(server ? List.of("-ext", "san=dns:localhost,ip:127.0.0.1", "-ext", "eku=serverAuth,clientAuth")
                : List.of("-ext", "eku=clientAuth"));
        keytool(gen.toArray(new String[0]));
        keytool("-importcert", "-alias", "ca", "-keystore", ks, "-storepass", PASSWORD, "-file", caPem.toString(),
                "-noprompt");
        keytool("-importcert", "-alias", name, "-keystore", ks, "-storepass", PASSWORD, "-file", p(name + ".crt"));
        return dir.resolve(name + ".p12");
    }

    /** The same keystore as JKS, {@code <name>.jks}. */
    public Path jks(String name) throws IOException, InterruptedException {
        keytool("-importkeystore", "-srckeystore", p(name + ".p12"), "-srcstoretype", "PKCS12", "-srcstorepass",
                PASSWORD, "-destkeystore", p(name + ".jks"), "-deststoretype", "JKS", "-deststorepass", PASSWORD,
                "-destkeypass", PASSWORD, "-noprompt");
        return dir.resolve(name + ".jks");
    }

    /** The key and chain as PEM files: {@code [<name>.crt.pem, <name>.key.pem]}, and both in {@code <name>.pem}. */
    public Path[] pem(String name) throws IOException {
        KeyMaterial.Identity id = KeyMaterial.identity(dir.resolve(name + ".p12"), "PKCS12", PASSWORD.toCharArray());
        Path crt = dir.resolve(name + ".crt.pem");
        Path key = dir.resolve(name + ".key.pem");
        Files.write(crt, id.certChainPem);
        Files.write(key, id.keyPem);
        byte[] both = (new String(id.keyPem, StandardCharsets.US_ASCII) + new String(id.certChainPem,
                StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
        Files.write(dir.resolve(name + ".pem"), both);
        return new Path[] {crt, key};
    }

    /** A truststore holding the CA: {@code truststore.<jks|p12>}. */
    public Path truststore(String type) throws IOException, InterruptedException {
        String file = p("truststore." + (type.equals("JKS") ? "jks" : "p12"));
        keytool("-importcert", "-alias", "ca", "-file", caPem.toString(), "-keystore", file, "-storetype", type,
                "-storepass", PASSWORD, "-noprompt");
        return Paths.get(file);
    }

    private String p(String file) {
        return dir.resolve(file).toString();
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("keytool " + args[0] + " failed: " + out);
        }
    }
}
