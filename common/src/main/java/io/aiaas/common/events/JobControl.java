package io.aiaas.common.events;

/**
 * A control message for workers on {@link Topics#JOB_CONTROL}, keyed by job id. Every worker reads every partition
 * and acts on the jobs it runs.
 *
 * @param type {@link #TYPE_CANCEL}
 * @param workerId the worker holding the job's lease when the message was written
 */
public record JobControl(String type, String jobId, String workerId) {
    public static final String TYPE_CANCEL = "cancel";
}
