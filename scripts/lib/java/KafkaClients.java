import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Kafka clients the check tools share (ChaosClient, MigrationCheck): one
 * producer whose acknowledged records must survive, one read of a whole topic
 * back. Compiled with them by kafka_java_classes (scripts/lib/kafka-brokers.sh).
 */
final class KafkaClients {
    private KafkaClients() {
    }

    /**
     * An idempotent acks=all producer of String records: an acknowledged record is
     * on every in-sync replica; a retried one is never written twice. A record is
     * given up (its callback fails) after two minutes, long enough to ride out the
     * faults and the migration steps: what still fails is simply not acked.
     */
    static KafkaProducer<String, String> durableProducer(String bootstrap, int requestTimeoutMs) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(requestTimeoutMs));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    /** The values of a topic's records, and the end offsets they were read up to. */
    static final class Topic {
        private final List<String> values;
        private final Map<TopicPartition, Long> end;

        Topic(List<String> values, Map<TopicPartition, Long> end) {
            this.values = values;
            this.end = end;
        }

        List<String> values() {
            return values;
        }

        Map<TopicPartition, Long> end() {
            return end;
        }
    }

    /**
     * Every record of {@code topic}, every partition from its beginning up to the end
     * offsets it has when the read starts; {@code isolation} is read_committed or
     * read_uncommitted. Null (and a line on stderr) when that takes over {@code secs}.
     */
    static Topic readAll(String bootstrap, String topic, String isolation, long secs) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(secs);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (PartitionInfo pi : c.partitionsFor(topic, Duration.ofSeconds(secs))) {
                tps.add(new TopicPartition(topic, pi.partition()));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps, Duration.ofSeconds(secs));
            while (!caughtUp(c, end)) {
                if (System.nanoTime() > deadline) {
                    System.err.println("could not read " + topic + " up to the end offsets " + end + " in " + secs + " s");
                    return null;
                }
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
                    values.add(r.value());
                }
            }
            return new Topic(values, end);
        }
    }

    private static boolean caughtUp(KafkaConsumer<String, String> c, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (c.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
