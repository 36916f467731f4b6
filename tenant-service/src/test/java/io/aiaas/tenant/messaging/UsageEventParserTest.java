package io.aiaas.tenant.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aiaas.common.events.JobType;
import io.aiaas.common.events.UsageData;
import io.aiaas.common.events.UsageEvent;
import io.aiaas.common.json.Json;
import io.aiaas.tenant.domain.UsageKind;
import io.aiaas.tenant.domain.UsageRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class UsageEventParserTest {
    private static final Instant RECEIVED = Instant.parse("2024-06-01T12:00:00Z");
    private final UsageEventParser parser = new UsageEventParser();

    private UsageRecord parse(String json) throws UsageEventParser.MalformedEvent {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8), RECEIVED);
    }

    @Test
    void readsWhatWorkersWrite() throws Exception {
        Instant at = Instant.parse("2024-06-01T11:59:58.500Z");
        UsageEvent event = UsageEvent.forJob(
                "job_1", JobType.INFERENCE, new UsageData("ten_1", "job_1", "req_1", "m", 2, "gpu", 10, 1500, 15), at);
        UsageRecord r = parse(Json.write(event));
        assertEquals("usage-job_1", r.eventId());
        assertEquals("ten_1", r.tenantId());
        assertEquals(UsageKind.INFERENCE_JOB, r.kind());
        assertEquals("m", r.model());
        assertEquals(2, r.version());
        assertEquals("gpu", r.device());
        assertEquals(10, r.examples());
        assertEquals(1500, r.computeMillis());
        assertEquals(15, r.units());
        assertEquals("job_1", r.jobId());
        assertEquals("req_1", r.requestId());
        assertEquals(at, r.occurredAt());
    }

    @Test
    void ignoresUnknownFieldsAndToleratesMissingOptionalOnes() throws Exception {
        UsageRecord r = parse("{\"specversion\":\"1.0\",\"id\":\"usage-req_9\",\"type\":\"io.aiaas.usage.predict\","
                + "\"extension\":true,\"data\":{\"tenantId\":\"ten_1\",\"examples\":1,\"future\":{}}}");
        assertEquals(UsageKind.PREDICT, r.kind());
        assertEquals(RECEIVED, r.occurredAt());
        assertNull(r.version());
        assertEquals(0, r.units());
    }

    @Test
    void refusesWhatCannotBeBilled() {
        String ok = "\"specversion\":\"1.0\",\"id\":\"e1\",\"type\":\"io.aiaas.usage.predict\"";
        for (String bad : List.of(
                "",
                "nope",
                "[]",
                "{\"specversion\":\"0.3\",\"id\":\"e1\",\"type\":\"io.aiaas.usage.predict\",\"data\":{\"tenantId\":\"t\"}}",
                "{\"specversion\":\"1.0\",\"type\":\"io.aiaas.usage.predict\",\"data\":{\"tenantId\":\"t\"}}",
                "{\"specversion\":\"1.0\",\"id\":\"e1\",\"type\":\"io.aiaas.usage.other\",\"data\":{\"tenantId\":\"t\"}}",
                "{" + ok + "}",
                "{" + ok + ",\"data\":{}}",
                "{" + ok + ",\"subject\":\"t2\",\"data\":{\"tenantId\":\"t\"}}",
                "{" + ok + ",\"time\":\"yesterday\",\"data\":{\"tenantId\":\"t\"}}",
                "{" + ok + ",\"data\":{\"tenantId\":\"t\",\"units\":-1}}",
                "{" + ok + ",\"data\":{\"tenantId\":\"t\",\"units\":1.5}}",
                "{" + ok + ",\"data\":{\"tenantId\":\"t\",\"version\":\"two\"}}",
                "{" + ok + ",\"data\":{\"tenantId\":\"t\",\"model\":\"a\\u0000b\"}}")) {
            var e = assertThrows(UsageEventParser.MalformedEvent.class, () -> parse(bad), bad);
            assertFalse(e.getMessage().contains("{"), "reasons carry no payload");
        }
    }
}
