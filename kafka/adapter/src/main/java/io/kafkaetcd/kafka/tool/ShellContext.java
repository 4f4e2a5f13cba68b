package io.kafkaetcd.kafka.tool;

import java.io.PrintStream;
import java.util.List;

import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.server.quorum.QuorumPeerConfig.ConfigException;

import io.kafkaetcd.ClientConfig;
import io.kafkaetcd.KafkaEtcdClient;
import io.kafkaetcd.kafka.AdapterSettings;

/** What every command shares: the options, the output streams and the (lazily opened) etcd store. */
final class ShellContext implements AutoCloseable {
    /** The shell's own session: long enough to ride out an etcd leader change, short when it dies. */
    private static final int SESSION_TIMEOUT_MS = 10_000;

    final Options options;
    final String connect;
    final PrintStream out;
    final PrintStream err;
    final boolean json;
    private final ClientConfig config;
    private EtcdTree etcd;

    ShellContext(Options options, String connect, PrintStream out, PrintStream err) throws ToolException {
        this.options = options;
        this.connect = connect;
        this.out = out;
        this.err = err;
        this.json = options.flag("--json");
        ZKClientConfig zk = settingsFile(options.value("--zk-tls-config-file"));
        if (options.value("--namespace") != null) {
            zk.setProperty(AdapterSettings.NAMESPACE, options.value("--namespace"));
        }
        int connectMs = options.intValue("--timeout-ms", 15_000);
        this.config = AdapterSettings.from(zk).clientConfig(SESSION_TIMEOUT_MS, connectMs);
    }

    static ZKClientConfig settingsFile(String file) throws ToolException {
        if (file == null) {
            return new ZKClientConfig();
        }
        try {
            return new ZKClientConfig(file);
        } catch (ConfigException e) {
            throw new ToolException(2, "cannot read " + file + ": " + e.getMessage());
        }
    }

    ClientConfig clientConfig() {
        return config;
    }

    EtcdTree etcd() throws Exception {
        if (etcd == null) {
            try {
                etcd = new EtcdTree(connect, config);
            } catch (io.kafkaetcd.KeeperException e) {
                throw new ToolException(1, "cannot connect to etcd " + connect + ": " + e.code() + " " + e.getMessage());
            }
        }
        return etcd;
    }

    KafkaEtcdClient client() throws Exception {
        return etcd().client();
    }

    /** Refuses (exit 3) when brokers are registered in {@code tree}, unless --force. */
    void refuseLiveBrokers(ZnodeTree tree) throws Exception {
        if (options.flag("--force") || tree.read("/brokers/ids") == null) {
            return;
        }
        List<String> ids = tree.children("/brokers/ids");
        if (!ids.isEmpty()) {
            throw new ToolException(3, tree.describe() + " has live brokers (/brokers/ids: " + String.join(",", ids)
                    + "): stop them first, or add --force");
        }
    }

    @Override
    public void close() {
        if (etcd != null) {
            etcd.close();
        }
    }
}
