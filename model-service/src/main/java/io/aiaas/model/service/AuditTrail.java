package io.aiaas.model.service;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.events.AuditRecord;
import io.aiaas.common.events.Topics;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.messaging.outbox.OutboxWriter;
import io.quarkus.arc.Arc;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;
import java.util.HashMap;
import java.util.Map;

/**
 * This service's part of the audit trail: every model, version, alias, dataset and job change, as an
 * {@link AuditRecord} written to the outbox in the transaction of the change (so it is published if and only if the
 * change commits) for tenant-service, which keeps the trail. Targets follow the contract's {@code <type>:<name or id>}.
 */
@ApplicationScoped
@Transactional(Transactional.TxType.MANDATORY)
public class AuditTrail {
    public static final String MODEL_CREATED = "model.created";
    public static final String MODEL_UPDATED = "model.updated";
    public static final String MODEL_DELETED = "model.deleted";
    public static final String VERSION_CREATED = "version.created";
    public static final String VERSION_DELETED = "version.deleted";
    public static final String ALIAS_SET = "alias.set";
    public static final String ALIAS_DELETED = "alias.deleted";
    public static final String DATASET_CREATED = "dataset.created";
    public static final String DATASET_DELETED = "dataset.deleted";
    public static final String JOB_CREATED = "job.created";
    public static final String JOB_CANCEL_REQUESTED = "job.cancel-requested";
    /** Followed by the job's terminal status: {@code job.succeeded}, {@code job.failed}, {@code job.cancelled}. */
    public static final String JOB_ENDED_PREFIX = "job.";

    private final OutboxWriter outbox;
    private final Event<OutboxWritten> written;
    private final CallerContext caller;

    public AuditTrail(OutboxWriter outbox, Event<OutboxWritten> written, CallerContext caller) {
        this.outbox = outbox;
        this.written = written;
        this.caller = caller;
    }

    public static String model(String name) {
        return "model:" + name;
    }

    public static String version(String model, int version) {
        return "version:" + model + "/" + version;
    }

    public static String alias(String model, String alias) {
        return "alias:" + model + "/" + alias;
    }

    public static String dataset(String id) {
        return "dataset:" + id;
    }

    public static String job(String id) {
        return "job:" + id;
    }

    /**
     * A change made by the current caller (the verified internal token's {@code sub}); without a caller (a thread of
     * the platform's own) by {@link AuditRecord#SYSTEM}.
     *
     * @param tenantId null for the platform catalogue
     */
    public void record(String action, String target, String tenantId, String requestId) {
        record(currentActor(), action, target, tenantId, requestId);
    }

    /** A change made by {@code actor} (null: {@link AuditRecord#SYSTEM}). */
    public void record(String actor, String action, String target, String tenantId, String requestId) {
        AuditRecord entry = new AuditRecord(
                Ids.newId(Ids.EVENT),
                ModelCatalogue.now(),
                actor == null ? AuditRecord.SYSTEM : actor,
                action,
                target,
                tenantId,
                requestId);
        Map<String, String> headers = new HashMap<>();
        if (requestId != null) {
            headers.put(Topics.HEADER_REQUEST_ID, requestId);
        }
        outbox.write(Topics.AUDIT, tenantId == null ? AuditRecord.PLATFORM_KEY : tenantId, Json.write(entry), headers);
        written.fire(new OutboxWritten(Topics.AUDIT));
    }

    private String currentActor() {
        if (!Arc.container().requestContext().isActive()) {
            return AuditRecord.SYSTEM;
        }
        try {
            return caller.actor();
        } catch (ApiException noToken) {
            return AuditRecord.SYSTEM;
        }
    }
}
