package io.kafkaetcd;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Reads keystores and truststores the way Kafka and ZooKeeper accept them (JKS, PKCS12, PEM)
 * into the PEM the native TLS stack takes. Errors name the file and the cause, never a password.
 */
public final class KeyMaterial {
    private KeyMaterial() {
    }

    /** A client certificate chain and its private key, both PEM. */
    public static final class Identity {
        public final byte[] certChainPem;
        public final byte[] keyPem;

        Identity(byte[] certChainPem, byte[] keyPem) {
            this.certChainPem = certChainPem;
            this.keyPem = keyPem;
        }

        @Override
        public String toString() {
            return "Identity{certificate chain, key=<redacted>}";
        }
    }

    /**
     * Every trusted certificate of a truststore, as PEM. {@code type} is JKS, PKCS12 or PEM
     * (null: from the file name, as ZooKeeper does: .jks, .p12/.pfx, .pem; else JKS).
     */
    public static byte[] trustedCertificates(Path file, String type, char[] password) throws IOException {
        String t = type(file, type);
        if (t.equals("PEM")) {
            byte[] pem = read(file, "truststore");
            if (!new String(pem, StandardCharsets.US_ASCII).contains("-----BEGIN CERTIFICATE-----")) {
                throw new IOException("truststore " + file + ": no PEM CERTIFICATE block");
            }
            return pem;
        }
        KeyStore ks = load(file, t, password, "truststore");
        StringBuilder pem = new StringBuilder();
        try {
            for (String alias : Collections.list(ks.aliases())) {
                Certificate c = ks.getCertificate(alias);
                if (c != null) {
                    appendPem(pem, "CERTIFICATE", c.getEncoded());
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("truststore " + file + ": " + e.getMessage(), e);
        }
        if (pem.length() == 0) {
            throw new IOException("truststore " + file + " holds no certificate");
        }
        return pem.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The one private key of a keystore with its certificate chain. For PEM the file holds
     * the key and the chain (a PEM key file may be encrypted: PKCS#8 with {@code password}).
     */
    public static Identity identity(Path file, String type, char[] password) throws IOException {
        String t = type(file, type);
        if (t.equals("PEM")) {
            return pemIdentity(file, password);
        }
        KeyStore ks = load(file, t, password, "keystore");
        try {
            List<String> keys = new ArrayList<>();
            for (String alias : Collections.list(ks.aliases())) {
                if (ks.isKeyEntry(alias)) {
                    keys.add(alias);
                }
            }
            if (keys.size() != 1) {
                throw new IOException("keystore " + file + " must hold exactly one private key entry, found "
                        + keys.size());
            }
            Key key = ks.getKey(keys.get(0), password);
            if (!(key instanceof PrivateKey)) {
                throw new IOException("keystore " + file + ": entry " + keys.get(0) + " is not a private key");
            }
            Certificate[] chain = ks.getCertificateChain(keys.get(0));
            if (chain == null || chain.length == 0) {
                throw new IOException("keystore " + file + ": the key has no certificate");
            }
            StringBuilder certs = new StringBuilder();
            for (Certificate c : chain) {
                appendPem(certs, "CERTIFICATE", c.getEncoded());
            }
            StringBuilder pk = new StringBuilder();
            if (key instanceof java.security.interfaces.ECPrivateKey
                    && chain[0].getPublicKey() instanceof java.security.interfaces.ECPublicKey) {
                appendPem(pk, "EC PRIVATE KEY", sec1((java.security.interfaces.ECPrivateKey) key,
                        (java.security.interfaces.ECPublicKey) chain[0].getPublicKey(), file));
            } else {
                appendPem(pk, "PRIVATE KEY", key.getEncoded()); // PKCS#8
            }
            return new Identity(certs.toString().getBytes(StandardCharsets.US_ASCII),
                    pk.toString().getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IOException("keystore " + file + ": cannot read the key (" + e.getClass().getSimpleName()
                    + "; wrong key password?)", e);
        }
    }

    private static Identity pemIdentity(Path file, char[] password) throws IOException {
        String text = new String(read(file, "keystore"), StandardCharsets.US_ASCII);
        StringBuilder certs = new StringBuilder();
        String key = null;
        for (String block : blocks(text)) {
            if (block.startsWith("-----BEGIN CERTIFICATE-----")) {
                certs.append(block).append('\n');
            } else if (block.startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
                key = decrypt(file, block, password);
            } else if (block.matches("(?s)-----BEGIN (RSA |EC )?PRIVATE KEY-----.*")) {
                key = block + "\n";
            }
        }
        if (key == null || certs.length() == 0) {
            throw new IOException("PEM keystore " + file + " must hold a private key and its certificate chain");
        }
        return new Identity(certs.toString().getBytes(StandardCharsets.US_ASCII),
                key.getBytes(StandardCharsets.US_ASCII));
    }

    /** An encrypted PKCS#8 key (as ZooKeeper's PEM keystores allow), decrypted with the keystore password. */
    private static String decrypt(Path file, String block, char[] password) throws IOException {
        if (password == null || password.length == 0) {
            throw new IOException("PEM keystore " + file + ": the private key is encrypted and no password is set");
        }
        try {
            javax.crypto.EncryptedPrivateKeyInfo info = new javax.crypto.EncryptedPrivateKeyInfo(body(block));
            javax.crypto.SecretKeyFactory f = javax.crypto.SecretKeyFactory.getInstance(info.getAlgName());
            javax.crypto.SecretKey secret = f.generateSecret(new javax.crypto.spec.PBEKeySpec(password));
            javax.crypto.Cipher cipher = javax.crypto.Cipher.getInstance(info.getAlgName());
            cipher.init(javax.crypto.Cipher.DECRYPT_MODE, secret, info.getAlgParameters());
            StringBuilder out = new StringBuilder();
            appendPem(out, "PRIVATE KEY", info.getKeySpec(cipher).getEncoded());
            return out.toString();
        } catch (GeneralSecurityException e) {
            throw new IOException("PEM keystore " + file + ": cannot decrypt the private key ("
                    + e.getClass().getSimpleName() + "; wrong password or unsupported encryption)", e);
        }
    }

    /**
     * An EC key as SEC1 with its public key. The JDK's PKCS#8 encoding leaves the public key
     * out, and the native TLS stack (ring) requires it; the certificate holds it.
     */
    private static byte[] sec1(java.security.interfaces.ECPrivateKey key, java.security.interfaces.ECPublicKey pub,
            Path file) throws IOException {
        int bits = key.getParams().getCurve().getField().getFieldSize();
        byte[] oid;
        if (bits == 256) {
            oid = new byte[] {0x06, 0x08, 0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x03, 0x01, 0x07};
        } else if (bits == 384) {
            oid = new byte[] {0x06, 0x05, 0x2B, (byte) 0x81, 0x04, 0x00, 0x22};
        } else {
            throw new IOException("keystore " + file + ": EC keys on P-256 or P-384 only (got a " + bits + "-bit curve)");
        }
        int n = (bits + 7) / 8;
        byte[] point = new byte[1 + 2 * n];
        point[0] = 0x04; // uncompressed
        unsigned(pub.getW().getAffineX(), point, 1, n);
        unsigned(pub.getW().getAffineY(), point, 1 + n, n);
        byte[] secret = new byte[n];
        unsigned(key.getS(), secret, 0, n);
        byte[] bitString = new byte[point.length + 1]; // leading 0: no unused bits
        System.arraycopy(point, 0, bitString, 1, point.length);
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.write(new byte[] {0x02, 0x01, 0x01}, 0, 3); // version 1
        der(body, 0x04, secret);
        der(body, 0xA0, oid);
        java.io.ByteArrayOutputStream bs = new java.io.ByteArrayOutputStream();
        der(bs, 0x03, bitString);
        der(body, 0xA1, bs.toByteArray());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        der(out, 0x30, body.toByteArray());
        return out.toByteArray();
    }

    private static void unsigned(java.math.BigInteger v, byte[] dst, int at, int len) {
        byte[] b = v.toByteArray();
        int skip = b.length > len ? b.length - len : 0; // a sign byte
        System.arraycopy(b, skip, dst, at + len - (b.length - skip), b.length - skip);
    }

    private static void der(java.io.ByteArrayOutputStream out, int tag, byte[] content) {
        out.write(tag);
        int len = content.length;
        if (len < 128) {
            out.write(len);
        } else if (len < 256) {
            out.write(0x81);
            out.write(len);
        } else {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len & 0xff);
        }
        out.write(content, 0, len);
    }

    private static List<String> blocks(String text) {
        List<String> out = new ArrayList<>();
        int from = 0;
        while (true) {
            int begin = text.indexOf("-----BEGIN ", from);
            if (begin < 0) {
                return out;
            }
            int endMarker = text.indexOf("-----END ", begin);
            int end = endMarker < 0 ? -1 : text.indexOf("-----", endMarker + 9);
            if (end < 0) {
                return out;
            }
            out.add(text.substring(begin, end + 5));
            from = end + 5;
        }
    }

    private static byte[] body(String block) {
        String[] lines = block.split("\r?\n");
        StringBuilder b64 = new StringBuilder();
        for (String l : lines) {
            if (!l.startsWith("-----") && !l.contains(":")) {
                b64.append(l.trim());
            }
        }
        return Base64.getDecoder().decode(b64.toString());
    }

    private static String type(Path file, String type) {
        if (type != null && !type.trim().isEmpty()) {
            String t = type.trim().toUpperCase(Locale.ROOT);
            return t.equals("PKCS12") || t.equals("JKS") || t.equals("PEM") ? t : unsupported(t);
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".p12") || name.endsWith(".pfx")) {
            return "PKCS12";
        }
        if (name.endsWith(".pem")) {
            return "PEM";
        }
        return "JKS";
    }

    private static String unsupported(String t) {
        throw new IllegalArgumentException("keystore type " + t + " is not supported (JKS, PKCS12 or PEM)");
    }

    private static KeyStore load(Path file, String type, char[] password, String what) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore ks = KeyStore.getInstance(type);
            ks.load(in, password);
            return ks;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(what + " " + file + " does not exist", e);
        } catch (IOException | GeneralSecurityException e) {
            throw new IOException(what + " " + file + " (" + type + "): cannot be read (" + e.getMessage()
                    + "; wrong password or type?)", e);
        }
    }

    private static byte[] read(Path file, String what) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(what + " " + file + " does not exist", e);
        }
    }

    private static void appendPem(StringBuilder out, String kind, byte[] der) {
        out.append("-----BEGIN ").append(kind).append("-----\n");
        out.append(Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der));
        out.append("\n-----END ").append(kind).append("-----\n");
    }
}
