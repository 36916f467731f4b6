package io.aiaas.messaging.consumer;

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

    /** The record's value as JSON of {@code type}, read with the platform's rules ({@link Json}). */
    static <T> RecordDecoder<T> json(Class<T> type) {
        return record -> {
            if (record.value() == null || record.value().length == 0) {
                throw new IllegalArgumentException("empty record");
            }
            return Json.mapper().readValue(record.value(), type);
        };
    }
}
