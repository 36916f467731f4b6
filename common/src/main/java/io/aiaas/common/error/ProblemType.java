package io.aiaas.common.error;

/** The problem types of the public contract; {@code type} is {@code /problems/<slug>} except for quota. */
public enum ProblemType {
    INVALID_REQUEST("invalid-request", 400, "Invalid request"),
    UNAUTHORIZED("unauthorized", 401, "Unauthorized"),
    FORBIDDEN("forbidden", 403, "Forbidden"),
    TENANT_SUSPENDED("tenant-suspended", 403, "Tenant suspended"),
    NOT_FOUND("not-found", 404, "Not found"),
    METHOD_NOT_ALLOWED("method-not-allowed", 405, "Method not allowed"),
    NOT_ACCEPTABLE("not-acceptable", 406, "Not acceptable"),
    CONFLICT("conflict", 409, "Conflict"),
    PAYLOAD_TOO_LARGE("payload-too-large", 413, "Payload too large"),
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", 415, "Unsupported media type"),
    UNPROCESSABLE("unprocessable", 422, "Unprocessable content"),
    QUOTA_EXCEEDED("quota-exceeded", 429, "Quota exceeded"),
    INTERNAL("internal", 500, "Internal error"),
    UNAVAILABLE("unavailable", 503, "Service unavailable"),
    /** An online prediction passed its deadline before a worker answered (CONTRACT, Errors). */
    DEADLINE_EXCEEDED("deadline-exceeded", 504, "Deadline exceeded");

    public static final String QUOTA_EXCEEDED_TYPE = "https://iana.org/assignments/http-problem-types#quota-exceeded";

    private final String slug;
    private final int status;
    private final String title;

    ProblemType(String slug, int status, String title) {
        this.slug = slug;
        this.status = status;
        this.title = title;
    }

    public String slug() {
        return slug;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public String uri() {
        return this == QUOTA_EXCEEDED ? QUOTA_EXCEEDED_TYPE : "/problems/" + slug;
    }

    /** The type for a bare HTTP status, for errors raised below the application (routing, media types). */
    public static ProblemType forStatus(int status) {
        for (ProblemType t : values()) {
            if (t.status == status && t != TENANT_SUSPENDED) {
                return t;
            }
        }
        return status >= 500 ? INTERNAL : INVALID_REQUEST;
    }
}
