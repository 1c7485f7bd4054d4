package io.finchconnect.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaBrokerIT {

    private static final String TOPIC = "finch-test-events";

    @TempDir
    Path workDir;

    @Test
    void recordsSurviveStopKillAndRestart() throws Exception {
        Path dataDir = workDir.resolve("kafka-data");
        try (KafkaBroker broker = KafkaBroker.start(dataDir, 0)) {
            String bootstrap = broker.bootstrapServers();
            produce(bootstrap, "a", "b", "c");
            assertEquals(List.of("a", "b", "c"), readAll(bootstrap, 3));

            broker.stop();
            assertFalse(accepts(bootstrap), "the broker's port is closed after stop");
            broker.restart();
            assertEquals(bootstrap, broker.bootstrapServers());
            assertEquals(List.of("a", "b", "c"), readAll(bootstrap, 3));
            produce(bootstrap, "d");

            broker.kill();
            assertFalse(accepts(bootstrap), "the broker's port is closed after kill");
            broker.restart();
            assertEquals(List.of("a", "b", "c", "d"), readAll(bootstrap, 4));
            produce(bootstrap, "e");
        }

        // The local stack starts a new broker on the data directory it left behind.
        try (KafkaBroker again = KafkaBroker.start(dataDir, 0)) {
            assertEquals(List.of("a", "b", "c", "d", "e"), readAll(again.bootstrapServers(), 5));
        }
    }

    private static void produce(String bootstrap, String... values)
            throws InterruptedException, ExecutionException, TimeoutException {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (String value : values) {
                // One key for all records keeps them in one partition, so their order is known.
                producer.send(new ProducerRecord<>(TOPIC, "key", value)).get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static List<String> readAll(String bootstrap, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(TOPIC, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    values.add(record.value());
                }
            }
            return values;
        }
    }

    private static boolean accepts(String bootstrap) {
        int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("localhost", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
