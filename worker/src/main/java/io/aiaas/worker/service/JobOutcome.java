package io.aiaas.worker.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.events.JobError;
import io.aiaas.common.events.JobUsage;
import io.aiaas.common.events.UsageData;

/** How a job ended on this worker: its terminal event is made from this. */
public sealed interface JobOutcome {

    /** The job's result, what it consumed, and the usage to bill. */
    record Succeeded(JsonNode result, JobUsage usage, UsageData billed) implements JobOutcome {}

    record Failed(JobError error) implements JobOutcome {}

    /** The tenant cancelled it; what it used until it stopped is billed. */
    record Cancelled(JobUsage usage, UsageData billed) implements JobOutcome {}

    static Failed failed(String type, String detail) {
        return new Failed(new JobError(type, detail));
    }
}
