package io.finchconnect.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * What an incoming Finch event is taken for. An authentic body without an {@code event_type} (HostileInputIT found one
 * answered 500: the set of data-sync types refuses to look up null) is neither a hint nor a data sync.
 */
class FinchEventTest {

    @Test
    void aBodyWithoutAnEventTypeIsNeitherAHintNorADataSync() {
        FinchEvent event = new FinchEvent("hostile-unknown-connection", null, null, null, null, null);
        assertThat(event.isDataSync()).isFalse();
        assertThat(event.isStatusHint()).isFalse();
    }

    @Test
    void theThreeDataSyncWebhooksAreDataSyncsAndOtherJobsNot() {
        assertThat(new FinchEvent("c", null, null, null, "job.data_sync_all.completed", null).isDataSync()).isTrue();
        assertThat(new FinchEvent("c", null, null, null, "job.initial_data_sync_org.succeeded", null).isDataSync()).isTrue();
        assertThat(new FinchEvent("c", null, null, null, "job.benefit_create.completed", null).isDataSync()).isFalse();
        assertThat(new FinchEvent(null, null, null, null, "job.data_sync_all.completed", null).isDataSync()).isFalse();
    }
}
