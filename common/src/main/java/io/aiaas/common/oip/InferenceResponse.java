package io.aiaas.common.oip;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/** An Open Inference Protocol v2 inference response. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InferenceResponse(
        @JsonProperty("model_name") String modelName,
        @JsonProperty("model_version") String modelVersion,
        String id,
        Map<String, Object> parameters,
        List<ResponseOutput> outputs) {}
