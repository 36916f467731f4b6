package io.aiaas.common.events;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Training progress; for inference only {@code step}/{@code steps} (rows) are set. Epochs count from 1. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobProgress(
        Integer epoch,
        Integer epochs,
        Long step,
        Long steps,
        Double loss,
        Double accuracy,
        Double valLoss,
        Double valAccuracy) {}
