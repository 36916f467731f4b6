package io.aiaas.worker.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.aiaas.common.events.JobError;

/**
 * A job handed back to model-service ({@code POST /internal/v1/jobs/{jobId}/release}).
 *
 * @param reason {@link #SHUTDOWN} or {@link #PLATFORM} (no attempt burns), or {@link #ERROR} (the run crashed: it burns)
 * @param error what went wrong, with {@link #ERROR}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Release(String workerId, int attempt, String reason, JobError error) {
    public static final String SHUTDOWN = "shutdown";
    public static final String PLATFORM = "platform";
    public static final String ERROR = "error";
}
