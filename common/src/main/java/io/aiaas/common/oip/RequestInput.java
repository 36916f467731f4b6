package io.aiaas.common.oip;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** An input tensor: {@code data} is flat (row-major) or nested as the shape says. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RequestInput(
        String name, List<Long> shape, String datatype, Map<String, Object> parameters, JsonNode data) {}
