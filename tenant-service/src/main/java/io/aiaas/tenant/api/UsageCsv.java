package io.aiaas.tenant.api;

import io.aiaas.common.json.Json;
import io.aiaas.tenant.domain.TenantUsageBucket;
import io.aiaas.tenant.domain.UsageBucket;
import java.util.List;

/**
 * The usage export as CSV (RFC 4180): a header row, then one row per tenant, bucket, kind and model; CRLF line ends;
 * fields with a comma, a quote or a line break are quoted, their quotes doubled. Times are RFC 3339 UTC with
 * milliseconds, as everywhere in the API.
 */
final class UsageCsv {
    static final String MEDIA_TYPE = "text/csv";
    static final List<String> HEADER =
            List.of("tenantId", "start", "kind", "model", "requests", "examples", "computeMillis", "units");

    private UsageCsv() {}

    static String write(List<TenantUsageBucket> rows) {
        StringBuilder out = new StringBuilder(64 * (rows.size() + 1));
        line(out, HEADER);
        for (TenantUsageBucket row : rows) {
            UsageBucket b = row.bucket();
            line(
                    out,
                    List.of(
                            row.tenantId(),
                            Json.format(b.start()),
                            b.kind(),
                            b.model() == null ? "" : b.model(),
                            Long.toString(b.requests()),
                            Long.toString(b.examples()),
                            Long.toString(b.computeMillis()),
                            Long.toString(b.units())));
        }
        return out.toString();
    }

    private static void line(StringBuilder out, List<String> fields) {
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(field(fields.get(i)));
        }
        out.append("\r\n");
    }

    static String field(String value) {
        boolean quote = value.indexOf(',') >= 0
                || value.indexOf('"') >= 0
                || value.indexOf('\n') >= 0
                || value.indexOf('\r') >= 0;
        return quote ? '"' + value.replace("\"", "\"\"") + '"' : value;
    }
}
