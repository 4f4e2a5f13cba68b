import java.time.Duration;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * SCRAM login and ACL enforcement as a real client sees them, on a SASL_PLAINTEXT listener
 * (scripts/migrate-from-zookeeper.sh):
 *
 *   ScramAclCheck BOOTSTRAP USER PASSWORD ALLOWED_TOPIC DENIED_TOPIC
 *
 * USER logs in with SCRAM-SHA-256 and reads ALLOWED_TOPIC's partition 0 (at least one
 * record); reading DENIED_TOPIC fails with TopicAuthorizationException; the same user with
 * a wrong password fails with SaslAuthenticationException. Exit 0 when all three hold.
 * DENIED_TOPIC "-" skips the denial check.
 */
public final class ScramAclCheck {
    public static void main(String[] a) {
        String bootstrap = a[0], user = a[1], password = a[2], allowed = a[3], denied = a[4];
        int rc = 0;
        try (KafkaConsumer<String, String> c = consumer(bootstrap, user, password)) {
            int n = read(c, allowed);
            System.out.println("SCRAM-SHA-256 login as " + user + ": ok; READ " + allowed + " allowed (" + n + " records)");
            if (n == 0) {
                rc = 1;
            }
            if (!denied.equals("-")) {
                try {
                    read(c, denied);
                    System.out.println("READ " + denied + " was NOT denied");
                    rc = 1;
                } catch (TopicAuthorizationException e) {
                    System.out.println("READ " + denied + " denied: " + e.getClass().getSimpleName());
                }
            }
        } catch (Exception e) {
            System.out.println("as " + user + ": " + e);
            rc = 1;
        }
        try (KafkaConsumer<String, String> c = consumer(bootstrap, user, password + "-wrong")) {
            c.partitionsFor(allowed, Duration.ofSeconds(20));
            System.out.println("a wrong password was accepted");
            rc = 1;
        } catch (SaslAuthenticationException e) {
            System.out.println("wrong password refused: " + e.getClass().getSimpleName());
        }
        System.exit(rc);
    }

    private static int read(KafkaConsumer<String, String> c, String topic) {
        TopicPartition tp = new TopicPartition(topic, 0);
        c.assign(List.of(tp));
        c.seekToBeginning(List.of(tp));
        long deadline = System.nanoTime() + 30_000_000_000L;
        int n = 0;
        while (n == 0 && System.nanoTime() < deadline) {
            ConsumerRecords<String, String> r = c.poll(Duration.ofMillis(500));
            n += r.count();
        }
        return n;
    }

    private static KafkaConsumer<String, String> consumer(String bootstrap, String user, String password) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put("security.protocol", "SASL_PLAINTEXT");
        p.put("sasl.mechanism", "SCRAM-SHA-256");
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + user + "\" password=\"" + password + "\";");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return new KafkaConsumer<>(p);
    }
}
