package io.aiaas.tenant.api;

import io.aiaas.tenant.domain.UsageWindow;
import jakarta.ws.rs.QueryParam;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/** The query parameters of every usage view that choose its window: {@code from}, {@code to}, {@code granularity}. */
public class UsageWindowParams {
    @Parameter(
            description = "Start (inclusive), RFC 3339. Default 30 days before `to`.",
            schema = @Schema(type = SchemaType.STRING, format = "date-time"))
    @QueryParam("from")
    String from;

    @Parameter(
            description = "End (exclusive), RFC 3339. Default now.",
            schema = @Schema(type = SchemaType.STRING, format = "date-time"))
    @QueryParam("to")
    String to;

    @Parameter(
            description = "Bucket width. Default `day`.",
            schema =
                    @Schema(
                            type = SchemaType.STRING,
                            enumeration = {"hour", "day"},
                            defaultValue = "day"))
    @QueryParam("granularity")
    String granularity;

    /** The window these parameters choose (400 on bad ones), at most {@code maxRange} long. */
    UsageWindow window(Duration maxRange) {
        return UsageWindow.of(from, to, granularity, Instant.now(), maxRange);
    }
}
