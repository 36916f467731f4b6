package io.aiaas.model.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.oip.RequestInput;
import java.util.List;
import java.util.Map;

/**
 * What a tenant asks to run: inline inference names {@code inputs} (Open Inference Protocol input tensors), batch
 * inference a {@code dataset}, training a {@code dataset} and a {@code spec}; any may bound its runtime with
 * {@code maxRuntimeSeconds}. Its JSON is what an
 * {@code Idempotency-Key} is bound to.
 */
public record JobSubmission(
        String type,
        String model,
        Integer version,
        String alias,
        String signature,
        List<RequestInput> inputs,
        Map<String, Object> parameters,
        String dataset,
        JsonNode spec,
        Integer maxRuntimeSeconds) {}
