package io.aiaas.model.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.json.Json;
import io.aiaas.model.domain.Worker;
import io.aiaas.model.service.WorkerFleet;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Bodies of the worker endpoints: heartbeats (internal) and the administrators' fleet list. */
public final class WorkerBodies {
    private WorkerBodies() {}

    /** {@code PUT /internal/v1/workers/{id}}. */
    public record HeartbeatRequest(
            String incarnation,
            String device,
            String deviceName,
            String status,
            List<RunningJob> runningJobs,
            List<String> loadedModels) {
        WorkerFleet.Heartbeat toHeartbeat() {
            return new WorkerFleet.Heartbeat(
                    incarnation,
                    device,
                    deviceName,
                    status,
                    runningJobs == null
                            ? null
                            : runningJobs.stream()
                                    .map(r -> r == null
                                            ? null
                                            : new WorkerFleet.RunningJob(
                                                    r.jobId(), r.attempt() == null ? 0 : r.attempt()))
                                    .toList(),
                    loadedModels);
        }
    }

    public record RunningJob(String jobId, Integer attempt) {}

    public record HeartbeatResponse(Instant leaseExpiresAt, List<String> cancel, List<String> lost) {
        static HeartbeatResponse of(WorkerFleet.HeartbeatAnswer answer) {
            return new HeartbeatResponse(answer.leaseExpiresAt(), answer.cancel(), answer.lost());
        }
    }

    /** One worker in {@code GET /admin/v1/workers}. */
    @Schema(name = "Worker")
    public record WorkerBody(
            String id,
            @Schema(enumeration = {"cpu", "gpu"}) String device,
            @Schema(description = "The device as the worker names it, e.g. the GPU's model.") String deviceName,
            @Schema(enumeration = {"active", "draining", "lost"}) String status,
            Instant lastHeartbeat,
            @Schema(description = "Jobs it ran at its last heartbeat.") int runningJobs,
            @Schema(type = SchemaType.ARRAY, description = "Model versions it holds loaded, as `<modelId>/<version>`.")
                    JsonNode loadedModels) {
        static WorkerBody of(Worker worker) {
            try {
                return new WorkerBody(
                        worker.id,
                        worker.device,
                        worker.deviceName,
                        worker.status,
                        worker.lastHeartbeat,
                        worker.runningJobs,
                        Json.mapper().readTree(worker.loadedModels));
            } catch (IOException e) {
                throw new IllegalStateException("stored worker JSON unreadable", e);
            }
        }
    }
}
