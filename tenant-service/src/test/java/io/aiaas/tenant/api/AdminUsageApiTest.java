package io.aiaas.tenant.api;

import static io.aiaas.tenant.testing.Api.as;
import static io.aiaas.tenant.testing.Api.asAdmin;
import static io.aiaas.tenant.testing.Api.createTenant;
import static io.aiaas.tenant.testing.Api.problem;
import static io.aiaas.tenant.testing.Api.uniqueName;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.auth.Scopes;
import io.aiaas.common.events.JobType;
import io.aiaas.common.events.UsageData;
import io.aiaas.common.events.UsageEvent;
import io.aiaas.common.json.Json;
import io.aiaas.tenant.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code GET /admin/v1/usage} and its CSV export, checked against the usage events fed to the ledger. */
@QuarkusTest
class AdminUsageApiTest {

    /** A strict RFC 4180 reader: quoted fields may hold commas, doubled quotes and line breaks; records end in CRLF. */
    static List<List<String>> parseCsv(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int i = 0;
        boolean quoted = false;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i += 2;
                    continue;
                }
                if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
                i++;
                continue;
            }
            if (c == '"') {
                assertEquals(0, field.length(), "a quote only opens a field");
                quoted = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\r') {
                assertEquals('\n', text.charAt(i + 1), "records end with CRLF");
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
                i++;
            } else {
                assertTrue(c != '\n', "a bare LF outside quotes");
                field.append(c);
            }
            i++;
        }
        assertTrue(row.isEmpty() && field.length() == 0, "the last record ends with CRLF");
        return rows;
    }

    @Test
    void oneTenantAllTenantsAndTheCsvExportAgreeWithTheEvents() throws Exception {
        String a = createTenant(uniqueName("billa"), "free");
        String b = createTenant(uniqueName("billb"), "standard");
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(3, ChronoUnit.HOURS);
        String odd = "m,\"quoted\"\nmodel"; // a model name as an event may carry it: the CSV must quote it
        String jobA = "job_a" + a.substring(4);
        String jobB = "job_b" + b.substring(4);
        ComputeQuotaApiTest.publish(
                UsageEvent.forJob(
                        jobA,
                        JobType.INFERENCE,
                        new UsageData(a, jobA, null, "iris", 1, "cpu", 100, 7000, 7),
                        hour.plusSeconds(60)),
                UsageEvent.forPrediction(
                        "req_a1" + a.substring(4),
                        new UsageData(a, null, "req_a1" + a.substring(4), odd, 2, "cpu", 1, 20, 1),
                        hour.plusSeconds(120)),
                UsageEvent.forPrediction(
                        "req_a2" + a.substring(4),
                        new UsageData(a, null, "req_a2" + a.substring(4), odd, 2, "cpu", 3, 30, 1),
                        hour.plusSeconds(180)),
                UsageEvent.forJob(
                        jobB,
                        JobType.TRAINING,
                        new UsageData(b, jobB, null, "mnist", null, "gpu", 6000, 2500, 25),
                        hour.plusSeconds(3600 + 60)));

        String from = hour.toString();
        String to = hour.plus(2, ChronoUnit.HOURS).toString();
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> asAdmin()
                                .queryParam("tenant", b)
                                .queryParam("from", from)
                                .queryParam("to", to)
                                .get("/admin/v1/usage")
                                .then()
                                .extract()
                                .jsonPath()
                                .getLong("totals.units")
                        == 25);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> asAdmin()
                                .queryParam("tenant", a)
                                .queryParam("from", from)
                                .queryParam("to", to)
                                .get("/admin/v1/usage")
                                .then()
                                .extract()
                                .jsonPath()
                                .getLong("totals.requests")
                        == 3);

        // one tenant: its buckets, its totals and its quota
        asAdmin()
                .queryParam("tenant", a)
                .queryParam("from", from)
                .queryParam("to", to)
                .queryParam("granularity", "hour")
                .get("/admin/v1/usage")
                .then()
                .statusCode(200)
                .body("tenant", equalTo(a))
                .body("items", hasSize(2))
                .body("items[0].tenantId", equalTo(a))
                .body("items[0].start", equalTo(Json.format(hour)))
                .body("items[0].kind", equalTo("inference-job"))
                .body("items[0].units", equalTo(7))
                .body("items[1].kind", equalTo("predict"))
                .body("items[1].model", equalTo(odd))
                .body("items[1].requests", equalTo(2))
                .body("items[1].examples", equalTo(4))
                .body("totals.units", equalTo(9))
                .body("computeUnits.monthlyQuota", equalTo(100_000));

        // every tenant: items carry tenantId; these two tenants' rows are exactly their events
        JsonPath all = asAdmin()
                .queryParam("from", from)
                .queryParam("to", to)
                .queryParam("granularity", "hour")
                .get("/admin/v1/usage")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertNull(all.get("tenant"));
        assertNull(all.get("computeUnits"));
        List<Map<String, Object>> items = all.getList("items");
        List<Map<String, Object>> ofB =
                items.stream().filter(i -> b.equals(i.get("tenantId"))).toList();
        assertEquals(1, ofB.size());
        assertEquals(Json.format(hour.plus(1, ChronoUnit.HOURS)), ofB.get(0).get("start"));
        assertEquals("training-job", ofB.get(0).get("kind"));
        assertEquals(6000, ofB.get(0).get("examples"));
        assertEquals(2500, ofB.get(0).get("computeMillis"));
        assertEquals(25, ofB.get(0).get("units"));
        assertEquals(2, items.stream().filter(i -> a.equals(i.get("tenantId"))).count());

        // the export: CSV, header row, one row per tenant × bucket × kind × model
        var export = asAdmin()
                .queryParam("from", from)
                .queryParam("to", to)
                .queryParam("granularity", "hour")
                .get("/admin/v1/usage/export")
                .then()
                .statusCode(200)
                .contentType(startsWith("text/csv"))
                .extract()
                .asString();
        List<List<String>> rows = parseCsv(export);
        assertEquals(
                List.of("tenantId", "start", "kind", "model", "requests", "examples", "computeMillis", "units"),
                rows.get(0));
        List<List<String>> rowsOfA =
                rows.stream().skip(1).filter(r -> r.get(0).equals(a)).toList();
        assertEquals(
                List.of(
                        List.of(a, Json.format(hour), "inference-job", "iris", "1", "100", "7000", "7"),
                        List.of(a, Json.format(hour), "predict", odd, "2", "4", "50", "2")),
                rowsOfA);
        List<List<String>> rowsOfB =
                rows.stream().skip(1).filter(r -> r.get(0).equals(b)).toList();
        assertEquals(
                List.of(List.of(
                        b,
                        Json.format(hour.plus(1, ChronoUnit.HOURS)),
                        "training-job",
                        "mnist",
                        "1",
                        "6000",
                        "2500",
                        "25")),
                rowsOfB);
        // every row of the export sums to the JSON report's totals
        long csvUnits =
                rows.stream().skip(1).mapToLong(r -> Long.parseLong(r.get(7))).sum();
        assertEquals(all.getLong("totals.units"), csvUnits);

        // by day, the tenant's three events are two rows (two kinds)
        List<List<String>> daily = parseCsv(asAdmin()
                .queryParam("from", from)
                .queryParam("to", to)
                .get("/admin/v1/usage/export")
                .then()
                .statusCode(200)
                .extract()
                .asString());
        assertEquals(2, daily.stream().filter(r -> r.get(0).equals(a)).count());
    }

    @Test
    void badParametersAreA400AndAnUnknownTenantA404() {
        for (String query : List.of(
                "?granularity=week",
                "?from=yesterday",
                "?to=2024-13-01T00:00:00Z",
                "?from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z",
                "?from=2020-01-01T00:00:00Z&to=2024-01-01T00:00:00Z",
                "?tenant=ten_" + "x".repeat(300))) {
            problem(asAdmin().get("/admin/v1/usage" + query).then(), 400, "invalid-request");
        }
        for (String query : List.of("?granularity=minute", "?from=2024-01-01", "?to=soon")) {
            problem(asAdmin().get("/admin/v1/usage/export" + query).then(), 400, "invalid-request");
        }
        problem(asAdmin().get("/admin/v1/usage?tenant=ten_doesnotexist").then(), 404, "not-found");

        // administrators only
        String tenant = createTenant(uniqueName("nosy"), "free");
        String key = Tokens.tenant(tenant, List.of(Scopes.USAGE_READ));
        problem(as(key).get("/admin/v1/usage").then(), 403, "forbidden");
        problem(as(key).get("/admin/v1/usage/export").then(), 403, "forbidden");
    }
}
