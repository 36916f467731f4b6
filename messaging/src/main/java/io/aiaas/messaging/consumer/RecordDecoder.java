package io.aiaas.messaging.consumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.aiaas.common.json.Json;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Turns a record into what the handler works with. Throwing means the record is unreadable: the
 * {@link ConsumerLoop} logs its position and skips it (it would fail the same way every time). Returning {@code null}
 * means the record is deliberately ignored.
 */
@FunctionalInterface
public interface RecordDecoder<T> {
    T decode(ConsumerRecord<String, byte[]> record) throws Exception;

    /**
     * The record's value as JSON of {@code type}, read with the platform's rules ({@link Json}). The failure says what
     * kind of problem it was, never the record's content (Jackson's messages quote it, and they end up in logs).
     */
    static <T> RecordDecoder<T> json(Class<T> type) {
        return record -> {
            if (record.value() == null || record.value().length == 0) {
                throw new IllegalArgumentException("empty record");
            }
            try {
                return Json.mapper().readValue(record.value(), type);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("not a " + type.getSimpleName() + " in JSON ("
                        + e.getClass().getSimpleName() + ")");
            }
        };
    }
}
