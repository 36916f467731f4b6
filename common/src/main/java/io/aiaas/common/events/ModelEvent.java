package io.aiaas.common.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * A change of a model that online prediction must learn of at once, on {@link Topics#MODEL_EVENTS} keyed by model
 * id: gateways drop what they cached of the model's name, workers preload a new version. Written by model-service's
 * outbox in the transaction of the change.
 *
 * @param tenantId the owning tenant; null for a model of the platform catalogue (every tenant's view of that name)
 * @param model the model's name
 * @param version for {@code version.*} and {@code alias.*} (the version the alias now points to) events
 * @param alias for {@code alias.*} events
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelEvent(
        String eventId,
        String type,
        String tenantId,
        String modelId,
        String model,
        Integer version,
        String alias,
        Instant at) {

    public static final String MODEL_CREATED = "model.created";
    public static final String MODEL_DELETED = "model.deleted";
    public static final String VERSION_CREATED = "version.created";
    public static final String VERSION_DELETED = "version.deleted";
    public static final String ALIAS_SET = "alias.set";
    public static final String ALIAS_DELETED = "alias.deleted";
}
