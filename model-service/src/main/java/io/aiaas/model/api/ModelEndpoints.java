package io.aiaas.model.api;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.common.quarkus.idempotency.IdempotentRequest;
import io.aiaas.common.quarkus.idempotency.IdempotentResponses;
import io.aiaas.model.api.ModelBodies.AliasBody;
import io.aiaas.model.api.ModelBodies.CreateModel;
import io.aiaas.model.api.ModelBodies.ModelBody;
import io.aiaas.model.api.ModelBodies.PatchModel;
import io.aiaas.model.api.ModelBodies.SetAlias;
import io.aiaas.model.api.ModelBodies.VersionBody;
import io.aiaas.model.domain.Owner;
import io.aiaas.model.service.ModelCatalogue;
import io.aiaas.model.service.ModelVersionUploads;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * What the model endpoints do, once for both audiences: tenants under {@code /v1/models} ({@link ModelResource}) and
 * administrators filling the platform catalogue under {@code /admin/v1/models} ({@link AdminModelResource}). Each of
 * those declares its own routes, so that its OpenAPI document describes them for its audience; they say only where
 * they live and whose models they act on.
 */
public abstract class ModelEndpoints {
    private final ModelCatalogue catalogue;
    private final ModelVersionUploads uploads;
    private final IdempotentResponses responses;

    protected ModelEndpoints(ModelCatalogue catalogue, ModelVersionUploads uploads, IdempotentResponses responses) {
        this.catalogue = catalogue;
        this.uploads = uploads;
        this.responses = responses;
    }

    /** Keys are the writer's own: a tenant's, or the platform's for administrators. */
    protected Response createModel(CreateModel request, String idempotencyKey) {
        Owner owner = writer();
        if (request == null) {
            throw ApiException.badRequest("A JSON body is required.");
        }
        return responses.toResponse(catalogue.create(
                owner,
                request.name(),
                request.description(),
                requestId(),
                IdempotentRequest.ofJson(owner.tenantId(), idempotencyKey, "POST", basePath(), request),
                created -> responses.created(basePath() + "/" + created.model().name, ModelBody.of(created))));
    }

    protected Page<ModelBody> listModels(String limit, String cursor) {
        return catalogue.list(reader(), PageRequest.of(limit, cursor)).map(ModelBody::of);
    }

    protected ModelBody getModel(String name) {
        return ModelBody.of(catalogue.get(reader(), name));
    }

    protected ModelBody patchModel(String name, PatchModel request) {
        if (request == null) {
            throw ApiException.badRequest("A JSON body is required.");
        }
        return ModelBody.of(catalogue.describe(writer(), name, request.description(), requestId()));
    }

    protected Response deleteModel(String name) {
        catalogue.delete(writer(), name, requestId());
        return Response.noContent().build();
    }

    /**
     * The body is the archive itself, streamed: {@code application/zip} or {@code application/gzip} (tar.gz). Under an
     * {@code Idempotency-Key} the archive's digest is part of the request's fingerprint.
     */
    protected Response uploadVersion(String name, String contentType, InputStream body, String idempotencyKey)
            throws IOException {
        Owner owner = writer();
        String path = basePath() + "/" + name + "/versions";
        return responses.toResponse(uploads.upload(
                owner,
                name,
                contentType,
                body,
                plan(),
                requestId(),
                IdempotentRequest.of(owner.tenantId(), idempotencyKey, "POST", path),
                version -> responses.created(path + "/" + version.version, VersionBody.of(version))));
    }

    protected Page<VersionBody> listVersions(String name, String limit, String cursor) {
        return catalogue.versions(reader(), name, PageRequest.of(limit, cursor)).map(VersionBody::of);
    }

    protected VersionBody getVersion(String name, String version) {
        return VersionBody.of(catalogue.version(reader(), name, PathParams.version(version)));
    }

    protected Response removeVersion(String name, String version) {
        catalogue.deleteVersion(writer(), name, PathParams.version(version), requestId());
        return Response.noContent().build();
    }

    protected AliasBody pointAlias(String name, String alias, SetAlias request) {
        return AliasBody.of(
                catalogue.setAlias(writer(), name, alias, request == null ? null : request.version(), requestId()));
    }

    protected Response removeAlias(String name, String alias) {
        catalogue.deleteAlias(writer(), name, alias, requestId());
        return Response.noContent().build();
    }

    /** Where these endpoints live, for {@code Location} headers. */
    protected abstract String basePath();

    /** Whose models a read acts on, after checking the caller may read them. */
    protected abstract Owner reader();

    /** Whose models a change acts on, after checking the caller may change them. */
    protected abstract Owner writer();

    /** The caller's plan limits, if the caller is a tenant. */
    protected abstract Optional<PlanLimits> plan();

    /** The request's id, for the records its changes send ({@code x-request-id}). */
    protected abstract String requestId();
}
