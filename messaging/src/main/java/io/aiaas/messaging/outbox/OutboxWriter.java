package io.aiaas.messaging.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.aiaas.common.json.Json;
import io.aiaas.messaging.KafkaSettings;
import io.aiaas.messaging.trace.KafkaTracing;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Writes records for Kafka into an outbox table in the caller's current database transaction, so they are published
 * (by an {@link OutboxRelay}) exactly when the change they announce commits, and never when it rolls back.
 *
 * <p>The connection comes from the service's {@link DataSource}: inside a JTA transaction the pool (Agroal) hands out
 * the connection enlisted in it, the one the rest of the transaction uses. A write outside any transaction is refused:
 * it would publish a change that might still roll back.
 *
 * <p>The table has the shape of {@link OutboxTable#ddl(String)}.
 */
public final class OutboxWriter {
    /** Room for the record's envelope and headers below the broker's record limit. */
    static final int HEADROOM_BYTES = 64 * 1024;

    private final DataSource dataSource;
    private final String insert;
    private final KafkaTracing tracing;

    public OutboxWriter(DataSource dataSource, String table, KafkaTracing tracing) {
        this.dataSource = Objects.requireNonNull(dataSource);
        this.insert = "INSERT INTO " + OutboxTable.checkName(table)
                + " (topic, record_key, payload, headers) VALUES (?, ?, ?, ?::jsonb)";
        this.tracing = Objects.requireNonNull(tracing);
    }

    /** Why a record could not be written; the caller's transaction should roll back. */
    public static final class WriteFailed extends RuntimeException {
        WriteFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Adds a record to the outbox in the current transaction. The current trace context is added as
     * {@code traceparent} (replacing one in {@code headers}); without a current span the given headers stay.
     *
     * @param key the record key (per-key order is kept), or null
     * @param headers header values (e.g. {@code x-request-id}); may be empty
     * @throws IllegalArgumentException when the record could never be published (over the record size limit)
     * @throws IllegalStateException when there is no current transaction
     * @throws WriteFailed when the database refuses
     */
    public void write(String topic, String key, String payload, Map<String, String> headers) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        Map<String, String> all = new LinkedHashMap<>(headers == null ? Map.of() : headers);
        all.values().removeIf(Objects::isNull);
        all.putAll(tracing.currentHeaders());
        String headersJson = json(all);
        long size = payload.getBytes(StandardCharsets.UTF_8).length
                + headersJson.length()
                + (key == null ? 0 : key.length());
        if (size > KafkaSettings.MAX_RECORD_BYTES - HEADROOM_BYTES) {
            // A record Kafka refuses would block its key in the outbox forever: refuse it while the caller can still
            // roll back.
            throw new IllegalArgumentException("a record of " + size + " bytes exceeds the outbox's limit of "
                    + (KafkaSettings.MAX_RECORD_BYTES - HEADROOM_BYTES));
        }
        try (Connection connection = dataSource.getConnection()) {
            if (connection.getAutoCommit()) {
                throw new IllegalStateException("outbox records are written in the caller's transaction");
            }
            try (PreparedStatement statement = connection.prepareStatement(insert)) {
                statement.setString(1, topic);
                statement.setString(2, key);
                statement.setString(3, payload);
                statement.setString(4, headersJson);
                statement.executeUpdate();
            }
        } catch (SQLException e) {
            throw new WriteFailed("cannot write to the outbox", e);
        }
    }

    private static String json(Map<String, String> headers) {
        try {
            return Json.mapper().writeValueAsString(headers);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("headers cannot be written as JSON", e);
        }
    }
}
