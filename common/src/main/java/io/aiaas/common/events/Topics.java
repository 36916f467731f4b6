package io.aiaas.common.events;

/** Kafka topic names: the only place they are spelled. */
public final class Topics {
    /** Job requests for workers, keyed by job id. */
    public static final String JOBS = "aiaas.jobs.v1";
    /** Job status, progress and results from workers, keyed by job id. */
    public static final String JOB_EVENTS = "aiaas.job-events.v1";
    /** Usage as CloudEvents for billing, keyed by tenant id. */
    public static final String USAGE = "aiaas.usage.v1";
    /** Key revocations, suspensions and plan changes every gateway replica and service must learn at once. */
    public static final String TENANT_EVENTS = "aiaas.tenant-events.v1";
    /** Jobs that ended {@code failed} after using every attempt, keyed by job id: for operators to inspect. */
    public static final String JOB_DEAD_LETTERS = "aiaas.job-dead-letters.v1";
    /** Control messages for workers ({@code cancel}), keyed by job id; every worker reads every partition. */
    public static final String JOB_CONTROL = "aiaas.job-control.v1";
    /**
     * Online prediction requests from gateways to workers (common's {@code PredictWire}), keyed by
     * {@code <modelId>/<version>} so that one model version's requests meet on the same partition.
     */
    public static final String PREDICT_REQUESTS = "aiaas.predict-requests.v1";
    /** Online prediction replies; each gateway replica reads the partition it names in its requests. */
    public static final String PREDICT_REPLIES = "aiaas.predict-replies.v1";
    /** Model, version and alias changes ({@code ModelEvent}), keyed by model id: gateways' caches, workers' preloads. */
    public static final String MODEL_EVENTS = "aiaas.model-events.v1";
    /**
     * Audit records ({@code AuditRecord}) of changes made outside tenant-service (models, versions, aliases, datasets,
     * jobs), keyed by tenant id ({@code platform} for the platform catalogue): tenant-service keeps the audit trail.
     */
    public static final String AUDIT = "aiaas.audit.v1";

    /** Kafka header names carried on every record the platform writes. */
    public static final String HEADER_REQUEST_ID = "x-request-id";

    public static final String HEADER_TRACEPARENT = "traceparent";

    private Topics() {}
}
