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
    void aRowThatKafkaDidNotTakeIsReleasedAndBlocksItsKeyWhileHeldBackRowsAreNotFailures() {
        BatchResult result = BatchResult.of(List.of(
                sent(1, "a"), failed(2, "a", new TimeoutException("broker gone")), sent(3, "b"), heldBack(4, "a")), Set.of());

        assertThat(result.sentIds()).containsExactly(1L, 3L);
        assertThat(result.failedByKafka()).containsExactly(2L);
        assertThat(result.heldBack()).containsExactly(4L);
        assertThat(result.kafkaError()).contains("TimeoutException");
        assertThat(result.blockedKeys()).containsExactly("a");
        assertThat(result.failed()).isEqualTo(1);
    }

    @Test
    void aRowThatKafkaRefusesItselfIsARowFaultNotAnOutage() {
        BatchResult result = BatchResult.of(List.of(
                failed(1, "a", new RecordTooLargeException("too large")), heldBack(2, "a"), sent(3, "b")), Set.of());

        assertThat(result.rowFaults()).extracting(outcome -> outcome.message().id()).containsExactly(1L);
        assertThat(result.kafkaError()).isNull();
        assertThat(result.heldBack()).containsExactly(2L);
        assertThat(result.sentIds()).containsExactly(3L);
        assertThat(result.blockedKeys()).containsExactly("a");
    }

    @Test
    void keysCarriedFromTheBatchBeforeAreHeldBackAndNotCarriedFurther() {
        BatchResult result = BatchResult.of(List.of(heldBack(5, "a"), sent(6, "b")), Set.of("a"));

        assertThat(result.heldBack()).containsExactly(5L);
        assertThat(result.sentIds()).containsExactly(6L);
        assertThat(result.blockedKeys()).as("the drain ends the chain").isEmpty();
    }

    private static SendOutcome heldBack(long id, String key) {
        return SendOutcome.heldBack(message(id, key));
    }

    private static SendOutcome sent(long id, String key) {
        return new SendOutcome(message(id, key), null);
    }

    private static SendOutcome failed(long id, String key, Throwable error) {
        return new SendOutcome(message(id, key), error);
    }

    private static OutboxMessage message(long id, String key) {
        return new OutboxMessage(id, UUID.randomUUID(), key, "finch.connection.test", "{}", Map.of(), OffsetDateTime.now(), 0, 7);
    }
}
