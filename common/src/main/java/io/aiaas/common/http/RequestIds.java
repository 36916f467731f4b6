package io.aiaas.common.http;

import io.aiaas.common.id.Ids;
import java.util.regex.Pattern;

/** Request ids, carried from the gateway to services and Kafka headers, and the W3C trace-context header's form. */
public final class RequestIds {
    public static final String REQUEST_ID_HEADER = "X-Request-Id";
    public static final String TRACEPARENT_HEADER = "traceparent";
    /** Where filters keep the current request id on the JAX-RS request context. */
    public static final String REQUEST_ID_PROPERTY = "aiaas.requestId";

    private static final Pattern ACCEPTABLE = Pattern.compile("^[A-Za-z0-9._:\\-]{1,128}$");
    private static final Pattern TRACEPARENT =
            Pattern.compile("^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$");

    private RequestIds() {}

    /** The caller's request id if it is sane, else a new {@code req_…} id. */
    public static String acceptOrCreate(String fromCaller) {
        if (fromCaller != null && ACCEPTABLE.matcher(fromCaller).matches()) {
            return fromCaller;
        }
        return Ids.newId(Ids.REQUEST);
    }

    public static boolean isValidTraceparent(String value) {
        return value != null && TRACEPARENT.matcher(value).matches();
    }
}
