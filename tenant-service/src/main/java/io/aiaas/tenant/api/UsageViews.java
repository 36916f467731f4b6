package io.aiaas.tenant.api;

import io.aiaas.tenant.domain.UsageBucket;
import io.aiaas.tenant.domain.UsageWindow;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** {@code GET /v1/usage}. */
public final class UsageViews {
    private UsageViews() {}

    public record UsageItem(
            Instant start, String kind, String model, long requests, long examples, long computeMillis, long units) {}

    public record UsageTotals(long requests, long examples, long computeMillis, long units) {}

    @Schema(name = "Usage")
    public record UsageReport(Instant from, Instant to, String granularity, List<UsageItem> items, UsageTotals totals) {
        public static UsageReport of(UsageWindow window, List<UsageBucket> buckets) {
            long requests = 0, examples = 0, computeMillis = 0, units = 0;
            for (UsageBucket b : buckets) {
                requests += b.requests();
                examples += b.examples();
                computeMillis += b.computeMillis();
                units += b.units();
            }
            return new UsageReport(
                    window.from(),
                    window.to(),
                    window.granularity().value(),
                    buckets.stream()
                            .map(b -> new UsageItem(
                                    b.start(),
                                    b.kind(),
                                    b.model(),
                                    b.requests(),
                                    b.examples(),
                                    b.computeMillis(),
                                    b.units()))
                            .toList(),
                    new UsageTotals(requests, examples, computeMillis, units));
        }
    }
}
