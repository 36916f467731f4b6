package io.aiaas.model.service;

import io.aiaas.common.events.ModelEvent;
import io.aiaas.common.events.Topics;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.aiaas.messaging.outbox.OutboxWriter;
import io.aiaas.model.domain.Model;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;
import java.util.HashMap;
import java.util.Map;

/**
 * Model changes that online prediction must learn of at once (gateways drop cached metadata, workers preload or evict
 * versions), written to the outbox in the transaction of the change they announce: published if and only if it
 * commits, in the order of the changes per model (the record key is the model id).
 */
@ApplicationScoped
@Transactional(Transactional.TxType.MANDATORY)
public class ModelEvents {
    private final OutboxWriter outbox;
    private final Event<OutboxWritten> written;

    public ModelEvents(OutboxWriter outbox, Event<OutboxWritten> written) {
        this.outbox = outbox;
        this.written = written;
    }

    public void modelCreated(Model model, String requestId) {
        announce(ModelEvent.MODEL_CREATED, model, null, null, requestId);
    }

    /** The model and everything of it (versions, aliases) is gone: one event says so. */
    public void modelDeleted(Model model, String requestId) {
        announce(ModelEvent.MODEL_DELETED, model, null, null, requestId);
    }

    public void versionCreated(Model model, int version, String requestId) {
        announce(ModelEvent.VERSION_CREATED, model, version, null, requestId);
    }

    public void versionDeleted(Model model, int version, String requestId) {
        announce(ModelEvent.VERSION_DELETED, model, version, null, requestId);
    }

    /** {@code alias} now points to {@code version} (created or moved). */
    public void aliasSet(Model model, String alias, int version, String requestId) {
        announce(ModelEvent.ALIAS_SET, model, version, alias, requestId);
    }

    public void aliasDeleted(Model model, String alias, String requestId) {
        announce(ModelEvent.ALIAS_DELETED, model, null, alias, requestId);
    }

    private void announce(String type, Model model, Integer version, String alias, String requestId) {
        ModelEvent event = new ModelEvent(
                Ids.newId(Ids.EVENT),
                type,
                // a catalogue model concerns every tenant: readers recognise it by the missing tenant
                model.owner().isPlatform() ? null : model.tenantId,
                model.id,
                model.name,
                version,
                alias,
                ModelCatalogue.now());
        Map<String, String> headers = new HashMap<>();
        if (requestId != null) {
            headers.put(Topics.HEADER_REQUEST_ID, requestId);
        }
        outbox.write(Topics.MODEL_EVENTS, model.id, Json.write(event), headers);
        written.fire(new OutboxWritten(Topics.MODEL_EVENTS));
    }
}
