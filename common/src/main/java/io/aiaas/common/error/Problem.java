package io.aiaas.common.error;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RFC 9457 problem body: {@code type}, {@code title}, {@code status}, {@code detail}, {@code instance},
 * {@code requestId}, plus extension members (the Open Inference Protocol's and TF Serving's {@code error}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class Problem {
    public static final String MEDIA_TYPE = "application/problem+json";

    public String type;
    public String title;
    public int status;
    public String detail;
    public String instance;
    public String requestId;
    private final Map<String, Object> extensions = new LinkedHashMap<>();

    public Problem() {}

    public Problem(ProblemType problemType, String detail, String instance, String requestId) {
        this.type = problemType.uri();
        this.title = problemType.title();
        this.status = problemType.status();
        this.detail = detail;
        this.instance = instance;
        this.requestId = requestId;
    }

    @JsonAnyGetter
    public Map<String, Object> extensions() {
        return extensions;
    }

    @JsonAnySetter
    public void extension(String name, Object value) {
        extensions.put(name, value);
    }
}
