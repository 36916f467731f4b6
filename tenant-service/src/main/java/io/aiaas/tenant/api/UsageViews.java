package io.aiaas.tenant.api;

import static com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.aiaas.tenant.domain.ComputeBalance;
import io.aiaas.tenant.domain.TenantUsageBucket;
import io.aiaas.tenant.domain.UsageBucket;
import io.aiaas.tenant.domain.UsageWindow;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** {@code GET /v1/usage}, {@code GET /admin/v1/usage}. */
public final class UsageViews {
    private UsageViews() {}

    public record UsageItem(
            Instant start, String kind, String model, long requests, long examples, long computeMillis, long units) {}

    public record UsageTotals(long requests, long examples, long computeMillis, long units) {
        static UsageTotals of(List<UsageBucket> buckets) {
            long requests = 0, examples = 0, computeMillis = 0, units = 0;
            for (UsageBucket b : buckets) {
                requests += b.requests();
                examples += b.examples();
                computeMillis += b.computeMillis();
                units += b.units();
            }
            return new UsageTotals(requests, examples, computeMillis, units);
        }
    }

    /** The current UTC month's compute units: whatever the report's window, this is the quota's state now. */
    @Schema(name = "ComputeUnits")
    public record ComputeUnits(
            @Schema(description = "Start of the current UTC month.") Instant periodStart,
            @Schema(description = "Start of the next UTC month, when the quota starts afresh.") Instant periodEnd,
            @Schema(description = "The plan's monthlyComputeUnits.") long monthlyQuota,
            @Schema(description = "Units billed by usage events this month.") long used,
            @Schema(description = "Units held by admitted work that has not ended yet.") long reserved,
            @Schema(description = "monthlyQuota − used − reserved, at least 0.") long remaining) {
        static ComputeUnits of(ComputeBalance b) {
            return b == null
                    ? null
                    : new ComputeUnits(
                            b.monthStart(), b.monthEnd(), b.monthlyQuota(), b.used(), b.reserved(), b.remaining());
        }
    }

    @Schema(name = "Usage")
    public record UsageReport(
            Instant from,
            Instant to,
            String granularity,
            List<UsageItem> items,
            UsageTotals totals,
            ComputeUnits computeUnits) {
        public static UsageReport of(UsageWindow window, List<UsageBucket> buckets, ComputeBalance balance) {
            return new UsageReport(
                    window.from(),
                    window.to(),
                    window.granularity().value(),
                    buckets.stream().map(UsageViews::item).toList(),
                    UsageTotals.of(buckets),
                    ComputeUnits.of(balance));
        }
    }

    /** One bucket of an administrator's report; {@code tenantId} says whose. */
    public record AdminUsageItem(
            String tenantId,
            Instant start,
            String kind,
            String model,
            long requests,
            long examples,
            long computeMillis,
            long units) {}

    /**
     * {@code GET /admin/v1/usage}: one tenant's usage ({@code tenant} given, with its compute units) or every tenant's.
     */
    @Schema(name = "AdminUsage")
    public record AdminUsageReport(
            Instant from,
            Instant to,
            String granularity,
            @Schema(description = "The tenant asked for; absent for every tenant.") @JsonInclude(NON_NULL)
                    String tenant,
            List<AdminUsageItem> items,
            UsageTotals totals,
            @Schema(description = "The tenant's current month; only when `tenant` is given.") @JsonInclude(NON_NULL)
                    ComputeUnits computeUnits) {
        public static AdminUsageReport of(
                UsageWindow window, String tenant, List<TenantUsageBucket> buckets, ComputeBalance balance) {
            return new AdminUsageReport(
                    window.from(),
                    window.to(),
                    window.granularity().value(),
                    tenant,
                    buckets.stream()
                            .map(t -> new AdminUsageItem(
                                    t.tenantId(),
                                    t.bucket().start(),
                                    t.bucket().kind(),
                                    t.bucket().model(),
                                    t.bucket().requests(),
                                    t.bucket().examples(),
                                    t.bucket().computeMillis(),
                                    t.bucket().units()))
                            .toList(),
                    UsageTotals.of(
                            buckets.stream().map(TenantUsageBucket::bucket).toList()),
                    ComputeUnits.of(balance));
        }
    }

    private static UsageItem item(UsageBucket b) {
        return new UsageItem(b.start(), b.kind(), b.model(), b.requests(), b.examples(), b.computeMillis(), b.units());
    }
}
