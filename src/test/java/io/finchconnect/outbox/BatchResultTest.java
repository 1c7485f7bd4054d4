package io.finchconnect.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

import io.finchconnect.outbox.OutboxPublisher.SendOutcome;
import io.finchconnect.outbox.OutboxRelay.BatchResult;

class BatchResultTest {

    @Test
    void laterRowsOfAKeyWhoseRowFailedAreReleasedEvenIfKafkaTookThem() {
        BatchResult result = BatchResult.of(List.of(
                sent(1, "a"), failed(2, "a", new TimeoutException("broker gone")), sent(3, "b"), sent(4, "a")), Set.of());

        assertThat(result.sentIds()).containsExactly(1L, 3L);
        assertThat(result.released()).containsExactly(2L, 4L);
        assertThat(result.kafkaError()).contains("TimeoutException");
        assertThat(result.blockedKeys()).containsExactly("a");
        assertThat(result.failed()).isEqualTo(1);
    }

    @Test
    void aRowThatKafkaRefusesItselfIsARowFaultNotAnOutage() {
        BatchResult result = BatchResult.of(List.of(
                failed(1, "a", new RecordTooLargeException("too large")), sent(2, "a"), sent(3, "b")), Set.of());

        assertThat(result.rowFaults()).extracting(outcome -> outcome.message().id()).containsExactly(1L);
        assertThat(result.kafkaError()).isNull();
        assertThat(result.released()).containsExactly(2L);
        assertThat(result.sentIds()).containsExactly(3L);
    }

    @Test
    void keysCarriedFromTheBatchBeforeAreReleasedAndNotCarriedFurther() {
        BatchResult result = BatchResult.of(List.of(sent(5, "a"), sent(6, "b")), Set.of("a"));

        assertThat(result.released()).containsExactly(5L);
        assertThat(result.sentIds()).containsExactly(6L);
        assertThat(result.blockedKeys()).as("the drain ends the chain").isEmpty();
    }

    private static SendOutcome sent(long id, String key) {
        return new SendOutcome(message(id, key), null);
    }

    private static SendOutcome failed(long id, String key, Throwable error) {
        return new SendOutcome(message(id, key), error);
    }

    private static OutboxMessage message(long id, String key) {
        return new OutboxMessage(id, UUID.randomUUID(), key, "finch.connection.test", "{}", Map.of(), OffsetDateTime.now(), 1);
    }
}
