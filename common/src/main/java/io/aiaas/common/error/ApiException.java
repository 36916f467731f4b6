package io.aiaas.common.error;

import java.util.LinkedHashMap;
import java.util.Map;

/** A failure the caller should see as a problem+json response; {@code detail} is safe to show to the caller. */
public class ApiException extends RuntimeException {
    private final ProblemType type;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private final Map<String, Object> extensions = new LinkedHashMap<>();

    public ApiException(ProblemType type, String detail) {
        super(detail, null, false, false);
        this.type = type;
    }

    public ProblemType type() {
        return type;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public Map<String, Object> extensions() {
        return extensions;
    }

    public ApiException header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public ApiException extension(String name, Object value) {
        extensions.put(name, value);
        return this;
    }

    public static ApiException badRequest(String detail) {
        return new ApiException(ProblemType.INVALID_REQUEST, detail);
    }

    public static ApiException notFound(String detail) {
        return new ApiException(ProblemType.NOT_FOUND, detail);
    }

    public static ApiException conflict(String detail) {
        return new ApiException(ProblemType.CONFLICT, detail);
    }

    public static ApiException unprocessable(String detail) {
        return new ApiException(ProblemType.UNPROCESSABLE, detail);
    }

    public static ApiException unauthorized(String detail) {
        return new ApiException(ProblemType.UNAUTHORIZED, detail);
    }

    public static ApiException forbidden(String detail) {
        return new ApiException(ProblemType.FORBIDDEN, detail);
    }

    public static ApiException tooLarge(String detail) {
        return new ApiException(ProblemType.PAYLOAD_TOO_LARGE, detail);
    }

    public static ApiException unsupportedMediaType(String detail) {
        return new ApiException(ProblemType.UNSUPPORTED_MEDIA_TYPE, detail);
    }

    public static ApiException unavailable(String detail, int retryAfterSeconds) {
        return new ApiException(ProblemType.UNAVAILABLE, detail)
                .header("Retry-After", String.valueOf(retryAfterSeconds));
    }
}
