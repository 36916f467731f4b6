package io.aiaas.tenant.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aiaas.common.events.UsageEvent;
import io.aiaas.common.json.Json;
import io.aiaas.tenant.domain.UsageKind;
import io.aiaas.tenant.domain.UsageRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * Reads a usage CloudEvent (structured JSON) into what is stored. Unknown fields are ignored, as the contract asks of
 * consumers of a {@code .v1} topic; anything that cannot be billed is refused with a reason fit for a log line (no
 * payload in it).
 */
public final class UsageEventParser {
    static final int MAX_ID_LENGTH = 256;
    static final int MAX_TEXT_LENGTH = 256;

    private final ObjectMapper mapper;

    public UsageEventParser() {
        this(Json.mapper());
    }

    UsageEventParser(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Why a record is not a usage event. */
    public static final class MalformedEvent extends Exception {
        MalformedEvent(String reason) {
            super(reason, null, false, false);
        }
    }

    public UsageRecord parse(byte[] value, Instant receivedAt) throws MalformedEvent {
        if (value == null || value.length == 0) {
            throw new MalformedEvent("empty record");
        }
        String text = new String(value, StandardCharsets.UTF_8);
        // PostgreSQL's jsonb cannot hold NUL; such an event could never be stored and would block its partition.
        if (text.indexOf('\0') >= 0 || text.contains("\\u0000")) {
            throw new MalformedEvent("NUL character in event");
        }
        JsonNode event;
        try {
            event = mapper.readTree(text);
        } catch (IOException e) {
            throw new MalformedEvent("not JSON");
        }
        if (event == null || !event.isObject()) {
            throw new MalformedEvent("not a JSON object");
        }
        if (!UsageEvent.SPEC_VERSION.equals(text(event, "specversion"))) {
            throw new MalformedEvent("specversion is not 1.0");
        }
        String id = text(event, "id");
        if (id == null || id.isBlank() || id.length() > MAX_ID_LENGTH) {
            throw new MalformedEvent("missing or oversized id");
        }
        UsageKind kind = UsageKind.ofEventType(text(event, "type"))
                .orElseThrow(() -> new MalformedEvent("unknown type (event " + id + ")"));
        JsonNode data = event.get("data");
        if (data == null || !data.isObject()) {
            throw new MalformedEvent("no data object (event " + id + ")");
        }
        String tenantId = text(data, "tenantId");
        if (tenantId == null || tenantId.isBlank() || tenantId.length() > MAX_TEXT_LENGTH) {
            throw new MalformedEvent("no data.tenantId (event " + id + ")");
        }
        String subject = text(event, "subject");
        if (subject != null && !subject.equals(tenantId)) {
            throw new MalformedEvent("subject and data.tenantId differ (event " + id + ")");
        }
        Instant occurredAt = receivedAt;
        String time = text(event, "time");
        if (time != null) {
            try {
                occurredAt = OffsetDateTime.parse(time).toInstant();
            } catch (DateTimeParseException e) {
                throw new MalformedEvent("time is not RFC 3339 (event " + id + ")");
            }
        } else if (event.hasNonNull("time")) {
            throw new MalformedEvent("time is not a string (event " + id + ")");
        }
        JsonNode version = data.get("version");
        if (version != null && !version.isNull() && !version.canConvertToExactIntegral()) {
            throw new MalformedEvent("data.version is not an integer (event " + id + ")");
        }
        if (version != null && !version.isNull() && !version.canConvertToInt()) {
            throw new MalformedEvent("data.version is out of range (event " + id + ")");
        }
        return new UsageRecord(
                id,
                tenantId,
                kind,
                boundedText(data, "model", id),
                version == null || version.isNull() ? null : version.intValue(),
                boundedText(data, "device", id),
                count(data, "examples", id),
                count(data, "computeMillis", id),
                count(data, "units", id),
                boundedText(data, "jobId", id),
                boundedText(data, "requestId", id),
                boundedText(data, "reservationId", id),
                occurredAt,
                text);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    private static String boundedText(JsonNode node, String field, String id) throws MalformedEvent {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || v.asText().length() > MAX_TEXT_LENGTH) {
            throw new MalformedEvent("data." + field + " is not a short string (event " + id + ")");
        }
        return v.asText();
    }

    private static long count(JsonNode data, String field, String id) throws MalformedEvent {
        JsonNode v = data.get(field);
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
            throw new MalformedEvent("data." + field + " is not a non-negative integer (event " + id + ")");
        }
        return v.asLong();
    }
}
