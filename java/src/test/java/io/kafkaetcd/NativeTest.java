package io.kafkaetcd;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The JNI boundary itself: panics, handles, loader decisions (no etcd needed). */
class NativeTest {
    @Test
    void aNativePanicBecomesAnExceptionAndTheJvmLivesOn() {
        NativeLoader.load();
        for (int i = 0; i < 3; i++) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> NativeTesting.panicForTest("boom"));
            assertTrue(e.getMessage().contains("panic in panicForTest: boom"), e.getMessage());
        }
        assertNotNull(NativeClient.nativeVersion());
    }

    /** ClientConfig's defaults are the engine's: one source (ClientOptions::default), checked here. */
    @Test
    void javaDefaultsAreTheEnginesDefaults() {
        NativeLoader.load();
        ClientConfig c = new ClientConfig();
        String java = "sessionTimeoutMs=" + c.sessionTimeoutMs() + "\nconnectTimeoutMs=" + c.connectTimeoutMs()
                + "\nrequestTimeoutMs=" + c.requestTimeoutMs() + "\nnamespace=" + c.namespace()
                + "\nmaxDataBytes=" + c.maxDataBytes() + "\nmaxInFlight=" + c.maxInFlight();
        assertEquals(NativeTesting.defaults(), java);
    }

    /** ClientConfig's namespace rule is the engine's, on both sides of each limit. */
    @Test
    void javaNamespaceRuleIsTheEngines() {
        NativeLoader.load();
        String[] candidates = {"zk", "a", "A-z_0.9", "a".repeat(128), "a".repeat(129), "", "a/b", "/a", "a b",
            "caf\u00e9", "a:b", ".", ".."};
        for (String ns : candidates) {
            boolean java;
            try {
                new ClientConfig().namespace(ns);
                java = true;
            } catch (IllegalArgumentException e) {
                java = false;
            }
            assertEquals(NativeTesting.namespaceAccepted(ns), java, "namespace \"" + ns + "\"");
        }
    }

    @Test
    void unknownHandlesAreClosedClients() {
        NativeLoader.load();
        KeeperException e = assertThrows(KeeperException.SessionExpiredException.class,
                () -> NativeClient.submit(987654321L, new byte[] {0, 0, 0, 0}));
        assertEquals("client is closed", e.getMessage());
        assertEquals(4, NativeClient.state(987654321L));
        NativeClient.close(987654321L); // idempotent, no error
        byte[] closed = NativeClient.poll(987654321L, 0);
        assertArrayEquals(new byte[] {Wire.REC_CLOSED}, closed);
    }

    @Test
    void platformAndFailureText() {
        assertEquals("linux-x86_64", NativeLoader.platform("Linux", "amd64"));
        assertNull(NativeLoader.platform("Mac OS X", "aarch64"));
        List<String> tried = new ArrayList<>();
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class,
                () -> NativeLoader.locate(null, "Windows 11", "amd64", tried));
        String text = NativeLoader.describe(e.getMessage(), "Windows 11", "amd64", tried);
        assertTrue(text.contains("os.name=Windows 11") && text.contains("os.arch=amd64"), text);
        assertTrue(text.contains("unsupported platform"), text);
        tried.clear();
        assertThrows(UnsatisfiedLinkError.class, () -> NativeLoader.locate("/no/such.so", "Linux", "amd64", tried));
        assertTrue(tried.get(0).startsWith("/no/such.so"), tried.toString());
    }
}
