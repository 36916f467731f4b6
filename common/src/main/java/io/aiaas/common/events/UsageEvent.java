package io.aiaas.common.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * A usage record for billing on {@link Topics#USAGE}, keyed by tenant id: a CloudEvents 1.0 structured-mode JSON
 * event. {@code id} derives from the billed action ({@code usage-<job id>}, {@code usage-<request id>}), so consumers
 * deduplicate by it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UsageEvent(
        String specversion,
        String id,
        String source,
        String type,
        String subject,
        Instant time,
        String datacontenttype,
        String dataschema,
        UsageData data) {

    public static final String SPEC_VERSION = "1.0";
    public static final String SOURCE = "/aiaas";
    public static final String TYPE_PREDICT = "io.aiaas.usage.predict";
    public static final String TYPE_INFERENCE_JOB = "io.aiaas.usage.inference-job";
    public static final String TYPE_TRAINING_JOB = "io.aiaas.usage.training-job";
    public static final String DATA_SCHEMA = "https://aiaas.io/schemas/usage/v1";

    public static UsageEvent forJob(String jobId, JobType jobType, UsageData data, Instant time) {
        return new UsageEvent(
                SPEC_VERSION,
                "usage-" + jobId,
                SOURCE,
                jobType == JobType.TRAINING ? TYPE_TRAINING_JOB : TYPE_INFERENCE_JOB,
                data.tenantId(),
                time,
                "application/json",
                DATA_SCHEMA,
                data);
    }

    public static UsageEvent forPrediction(String requestId, UsageData data, Instant time) {
        return new UsageEvent(
                SPEC_VERSION,
                "usage-" + requestId,
                SOURCE,
                TYPE_PREDICT,
                data.tenantId(),
                time,
                "application/json",
                DATA_SCHEMA,
                data);
    }
}
