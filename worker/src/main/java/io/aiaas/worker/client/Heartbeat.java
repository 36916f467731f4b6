package io.aiaas.worker.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.time.Instant;
import java.util.List;

/** The heartbeat a worker sends ({@code PUT /internal/v1/workers/{workerId}}) and model-service's answer. */
public final class Heartbeat {
    private Heartbeat() {}

    public static final String ACTIVE = "active";
    public static final String DRAINING = "draining";

    /** A job this worker runs, with the attempt its claim answered. */
    public record RunningJob(String jobId, int attempt) {}

    public record Request(
            String incarnation,
            String device,
            String deviceName,
            String status,
            List<RunningJob> runningJobs,
            List<String> loadedModels) {}

    /**
     * @param cancel listed jobs the tenant asked to cancel: stop them and publish {@code cancelled}
     * @param lost listed jobs this worker no longer holds: stop them and publish nothing
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Answer(Instant leaseExpiresAt, List<String> cancel, List<String> lost) {
        public List<String> cancelled() {
            return cancel == null ? List.of() : cancel;
        }

        public List<String> lostJobs() {
            return lost == null ? List.of() : lost;
        }
    }
}
