package io.aiaas.common.oip;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/** An Open Inference Protocol v2 inference request. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InferenceRequest(
        String id, Map<String, Object> parameters, List<RequestInput> inputs, List<RequestedOutput> outputs) {

    /** The {@code signature_name} parameter, if given. */
    public String signatureName() {
        Object name = parameters == null ? null : parameters.get("signature_name");
        return name == null ? null : name.toString();
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RequestedOutput(String name, Map<String, Object> parameters) {}
}
