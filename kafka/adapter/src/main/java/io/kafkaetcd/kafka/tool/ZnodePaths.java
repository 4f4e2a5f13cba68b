package io.kafkaetcd.kafka.tool;

/** Path and connect-string helpers (ZooKeeper's syntax: {@code host:port,...[/chroot]}). */
final class ZnodePaths {
    private ZnodePaths() {
    }

    static String child(String parent, String name) {
        return parent.equals("/") ? "/" + name : parent + "/" + name;
    }

    static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i <= 0 ? "/" : path.substring(0, i);
    }

    /** The chroot of a connect string, or null (none, or "/"). */
    static String chroot(String connect) {
        int i = connect.indexOf('/');
        if (i < 0) {
            return null;
        }
        String c = connect.substring(i);
        while (c.endsWith("/") && c.length() > 1) {
            c = c.substring(0, c.length() - 1);
        }
        return c.equals("/") ? null : c;
    }

    static String withoutChroot(String connect) {
        int i = connect.indexOf('/');
        return i < 0 ? connect : connect.substring(0, i);
    }

    /** ZooKeeper's own subtree at the store's root, never copied (each store has its own). */
    static boolean isZooKeeperOwn(String path) {
        return path.equals("/zookeeper") || path.startsWith("/zookeeper/");
    }
}
