package io.aiaas.messaging.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aiaas.common.events.TenantEvent;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class RecordDecoderTest {
    private static ConsumerRecord<String, byte[]> record(String value) {
        return new ConsumerRecord<>(
                "topic", 0, 7, "key", value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsJsonWithThePlatformsRules() throws Exception {
        TenantEvent event = RecordDecoder.json(TenantEvent.class)
                .decode(record("{\"eventId\":\"evt_1\",\"type\":\"key.revoked\",\"tenantId\":\"ten_1\","
                        + "\"at\":\"2024-01-01T00:00:00.000Z\",\"unknown\":1}"));
        assertEquals("ten_1", event.tenantId());
    }

    @Test
    void anUnreadableRecordsFailureNeverQuotesItsContent() {
        // The failure ends up in a log line: a leaked key in a malformed record must not follow it there.
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> RecordDecoder.json(TenantEvent.class)
                        .decode(record("{\"keyId\": aiaas_secretSecretSecret")));
        assertFalse(e.getMessage().contains("aiaas_secret"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RecordDecoder.json(TenantEvent.class)
                .decode(record(null)));
    }
}
