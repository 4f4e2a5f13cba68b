package io.kafkaetcd;

import java.util.concurrent.TimeUnit;

/**
 * Run in a separate JVM by {@link ForkedJvmTest}. Modes:
 * {@code noclose ENDPOINT}: uses a client (watch armed, requests in flight)
 * and returns from main without closing it; {@code load}: only loads the
 * native library and prints the outcome. Prints only its own lines to stdout.
 */
public final class ExitProbe {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("load")) {
            try {
                NativeLoader.load();
                System.out.println("loaded " + NativeClient.nativeVersion());
            } catch (UnsatisfiedLinkError e) {
                System.out.println("error: " + e.getMessage());
            }
            return;
        }
        KafkaEtcdClient c = KafkaEtcdClient.open(args[1], new ClientConfig().sessionTimeoutMs(5000), e -> { });
        String p = "/probe-" + ProcessHandle.current().pid();
        c.create(p, new byte[] {1}, Acl.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        c.getData(p, true, null);
        c.getChildren("/", true);
        for (int i = 0; i < 100; i++) {
            c.submit(Request.getData(p, false));
        }
        c.submit(Request.exists(p, false)).get(10, TimeUnit.SECONDS);
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("kafka-etcd")) {
                System.out.println("thread " + t.getName() + " daemon=" + t.isDaemon());
            }
        }
        System.out.println("ready");
    }
}
