package io.aiaas.worker.service;

/** The job cannot succeed, whoever runs it: it ends {@code failed} with this error type and tenant-safe detail. */
public class JobFailedException extends RuntimeException {
    public static final String UNPROCESSABLE = "unprocessable";
    public static final String INTERNAL = "internal";
    /** The job ran longer than its {@code maxRuntimeSeconds}. */
    public static final String TIMEOUT = "timeout";

    private final String type;

    public JobFailedException(String type, String detail) {
        super(detail, null, false, false);
        this.type = type;
    }

    public static JobFailedException unprocessable(String detail) {
        return new JobFailedException(UNPROCESSABLE, detail);
    }

    public String type() {
        return type;
    }
}
