package io.kafkaetcd.kafka;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.errors.ControllerMovedException;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.common.MetadataVersion;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.kafkaetcd.KafkaEtcdClient;
import kafka.cluster.Broker;
import kafka.zk.BrokerInfo;
import kafka.zk.KafkaZkClient;
import kafka.zookeeper.ZooKeeperClient;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Kafka's own KafkaZkClient (unmodified, from kafka_2.13) over our
 * ZooKeeperClient: the code paths a broker takes at startup.
 */
class KafkaZkClientTest extends AdapterTestBase {
    private final List<KafkaZkClient> zkClients = new ArrayList<>();

    @AfterEach
    void closeZkClients() {
        zkClients.forEach(KafkaZkClient::close);
        zkClients.clear();
    }

    /** As KafkaServer.initZkClient builds it: chroot created if necessary. */
    private KafkaZkClient kafkaZkClient(String connect) {
        KafkaZkClient z = KafkaZkClient.apply(connect, false, 6000, 10_000, 10, Time.SYSTEM, "Kafka server",
                new ZKClientConfig(), "kafka.server", "SessionExpireListener", true, false);
        zkClients.add(z);
        return z;
    }

    @Test
    void brokerStartupPathsUnderAFreshChroot() throws Exception {
        String chroot = unique("chroot") + "/kafka";
        // KafkaZkClient splits at the first '/', creates the chroot on a short session
        // over "host:port", closes it, then opens the real client on the full string.
        KafkaZkClient z = kafkaZkClient(etcd.endpoint() + chroot);
        z.createTopLevelPaths();
        String clusterId = z.createOrGetClusterId("cluster-1");
        assertEquals("cluster-1", clusterId);
        assertEquals("cluster-1", z.createOrGetClusterId("other"), "an existing id wins");

        try (KafkaEtcdClient root = KafkaEtcdClient.open(etcd.endpoint())) {
            assertNotNull(root.exists(chroot, false), "the chroot was created");
            assertNull(root.getData(chroot, false, null), "with null data, as Kafka does");
            assertNotNull(root.exists(chroot + "/brokers/ids", false));
            assertNotNull(root.exists(chroot + "/cluster/id", false));
        }
        assertTrue(z.pathExists("/brokers/seqid"));
        assertTrue(CollectionConverters.asJava(z.getChildren("/brokers")).containsAll(List.of("ids", "topics", "seqid")));

        String change = z.createSequentialPersistentPath("/config/changes/config_change_",
                "{}".getBytes(StandardCharsets.UTF_8));
        assertTrue(change.matches("/config/changes/config_change_\\d{10}"), change);

        // A second broker start on the same chroot: exists already, nothing to create.
        KafkaZkClient again = kafkaZkClient(etcd.endpoint() + chroot);
        assertEquals(scala.Option.apply("cluster-1"), again.getClusterId());
    }

    @Test
    void brokerRegistrationAndItsEpoch() {
        KafkaZkClient z = kafkaZkClient(etcd.endpoint() + unique("reg"));
        z.createTopLevelPaths();
        BrokerInfo info = BrokerInfo.apply(new Broker(7, "127.0.0.1", 9092,
                ListenerName.forSecurityProtocol(SecurityProtocol.PLAINTEXT), SecurityProtocol.PLAINTEXT),
                MetadataVersion.latestProduction(), -1);
        long epoch = z.registerBroker(info);
        Tuple2<scala.Option<byte[]>, Stat> node = z.getDataAndStat("/brokers/ids/7");
        assertEquals(epoch, node._2().getCzxid(), "the broker epoch is the czxid");
        ZooKeeperClient zk = z.kafka$zk$KafkaZkClient$$zooKeeperClient;
        assertEquals(zk.sessionId(), node._2().getEphemeralOwner());
        assertEquals(List.of(7), CollectionConverters.asJava(z.getSortedBrokerList()));

        // KAFKA-7165: registering again in the same session finds its own node and succeeds.
        assertEquals(epoch, z.registerBroker(info));

        // A new session (what a restarted broker gets) registers under a larger epoch.
        zk.forceReinitialize();
        assertFalse(z.pathExists("/brokers/ids/7"), "the old session's ephemeral is gone");
        long epoch2 = z.registerBroker(info);
        assertTrue(epoch2 > epoch, epoch2 + " > " + epoch);
    }

    @Test
    void controllerElectionUsesMultiAndEpochChecks() {
        String chroot = unique("ctrl");
        KafkaZkClient z1 = kafkaZkClient(etcd.endpoint() + chroot);
        z1.createTopLevelPaths();
        // [CreateOp(/controller, EPHEMERAL), SetDataOp(/controller_epoch, v)] in one multi.
        Tuple2<Object, Object> won = z1.registerControllerAndIncrementControllerEpoch(1);
        assertEquals(1, won._1(), "first controller epoch");
        assertEquals(scala.Option.apply(1), z1.getControllerId());

        // Another broker: its multi fails on /controller, it reads who won and backs off.
        KafkaZkClient z2 = kafkaZkClient(etcd.endpoint() + chroot);
        assertThrows(ControllerMovedException.class, () -> z2.registerControllerAndIncrementControllerEpoch(2));

        // When the winner's session ends, the next one becomes controller with epoch 2.
        z1.close();
        zkClients.remove(z1);
        Tuple2<Object, Object> next = z2.registerControllerAndIncrementControllerEpoch(2);
        assertEquals(2, next._1());
        assertEquals(scala.Option.apply(2), z2.getControllerId());
    }
}
