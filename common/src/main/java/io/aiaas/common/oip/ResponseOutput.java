package io.aiaas.common.oip;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** An output tensor with its data flattened in row-major order. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResponseOutput(
        String name, List<Long> shape, String datatype, Map<String, Object> parameters, JsonNode data) {}
