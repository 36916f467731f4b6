package io.aiaas.model.api;

import io.aiaas.common.auth.Scopes;
import io.aiaas.common.page.Page;
import io.aiaas.common.plan.PlanLimits;
import io.aiaas.common.quarkus.auth.CallerContext;
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
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.extensions.Extension;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** A tenant's models ({@code /v1/models/**}); reads include the platform catalogue. */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
@Tag(
        name = "Models",
        description = "A tenant's models, versions (SavedModel archives) and aliases; reads include the platform"
                + " catalogue.")
public class ModelResource extends ModelEndpoints {
    static final String NAME = "The model's name.";
    static final String NAME_PATTERN = "^[a-z0-9][a-z0-9-]{0,62}$";
    static final String VERSION = "A version number (a positive integer; anything else is a 400).";
    static final String ALIAS = "The alias name, such as `production`.";
    static final String UPLOAD = "The body is a TensorFlow SavedModel directory packed as a zip archive or a"
            + " gzip-compressed tar archive; its files sit at the archive root or under one top-level folder. The"
            + " version is numbered from 1 and immutable; its signatures are read from `saved_model.pb`."
            + " `application/x-zip-compressed`, `application/x-gzip`, `application/x-tar+gzip` and"
            + " `application/x-gtar` are accepted as synonyms. An archive that is not a SavedModel, is damaged or"
            + " truncated, or holds links, special files, absolute paths, entries outside its root or colliding"
            + " entries is refused with 422; one larger than the limit, packed or unpacked (counted while unpacking),"
            + " or larger than the storage the plan has left (`storageBytes`, decided one upload after the other),"
            + " with 413. A refused archive leaves nothing stored and uses no version number.";
    static final String UPLOAD_IDEMPOTENT = IdempotentRequest.HONOURED
            + " The archive's SHA-256 stands for the body: a repeat of the same archive answers the first version"
            + " again without storing another.";

    private final CallerContext caller;

    public ModelResource(
            CallerContext caller,
            ModelCatalogue catalogue,
            ModelVersionUploads uploads,
            IdempotentResponses responses) {
        super(catalogue, uploads, responses);
        this.caller = caller;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            operationId = "createModel",
            summary = "Create a model",
            description = "Requires scope `models:write`. The name is unique among the tenant's models; a name that"
                    + " does not match `" + NAME_PATTERN + "` is a 422, a taken one a 409. "
                    + IdempotentRequest.HONOURED,
            extensions = @Extension(name = "x-required-scope", value = Scopes.MODELS_WRITE))
    @RequestBody(required = true)
    @APIResponse(
            responseCode = "201",
            description = "The model, without versions yet.",
            headers = @Header(name = "Location", ref = "Location"),
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = ModelBody.class)))
    @APIResponse(responseCode = "409", ref = "Conflict")
    @APIResponse(responseCode = "422", ref = "Unprocessable")
    public Response create(
            CreateModel request,
            @Parameter(
                            description = IdempotentRequest.KEY_DESCRIPTION,
                            schema = @Schema(type = SchemaType.STRING, pattern = IdempotentRequest.KEY_PATTERN))
                    @HeaderParam(IdempotentRequest.HEADER)
                    String idempotencyKey) {
        return createModel(request, idempotencyKey);
    }

    @GET
    @Operation(
            operationId = "listModels",
            summary = "List the tenant's models and the platform catalogue's",
            description = "Requires scope `models:read`. Each model says whether it is the tenant's or the"
                    + " platform's; newest first.",
            extensions = @Extension(name = "x-required-scope", value = Scopes.MODELS_READ))
    @APIResponse(responseCode = "200", description = "One page of models.")
    public Page<ModelBody> list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        return listModels(limit, cursor);
    }

    @GET
    @Path("{name}")
    @Operation(
            operationId = "getModel",
            summary = "Read a model",
            description = "Requires scope `models:read`. The tenant's own model of that name, else the platform"
                    + " catalogue's.",
            extensions = @Extension(name = "x-required-scope", value = Scopes.MODELS_READ))
    @APIResponse(responseCode = "200", description = "The model.")
    public ModelBody get(@Parameter(description = NAME) @PathParam("name") String name) {
        return getModel(name);
    }

    @PATCH
    @Path("{name}")
    @Consumes({MediaType.APPLICATION_JSON, "application/merge-patch+json"})
    @Operation(
            operationId = "patchModel",
            summary = "Change a model's description",
            description = "Requires scope `models:write`. Only the description changes; a model is never renamed.",
            extensions = @Extension(name = "x-required-scope", value = Scopes.MODELS_WRITE))
    @RequestBody(required = true)
    @APIResponse(responseCode = "200", description = "The changed model.")
    public ModelBody patch(@Parameter(description = NAME) @PathParam("name") String name, PatchModel request) {
        return patchModel(name, request);
    }

    @DELETE
    @Path("{name}")
    @Operation(
            operationId = "deleteModel",
            summary = "Delete a model with its versions and aliases",
            description = "Requires scope `models:write`. The archives go once the deletion is committed.",
            extensions = @Extension(name = "x-required-scope", value = Scopes.MODELS_WRITE))
    @APIResponse(responseCode = "204", description = "Deleted.")
    public Response delete(@Parameter(description = NAME) @PathParam("name") String name) {
        return deleteModel(name);
    }

    @POST
    @Path("{name}/versions")
    @Consumes(MediaType.WILDCARD)
    @Operation(
            operationId = "uploadModelVersion",
            summary = "Upload a new version (a SavedModel archive)",
            description = "Requires scope `models:write`. " + UPLOAD + " The limit is the plan's `maxModelBytes`. "
                    + UPLOAD_IDEMPOTENT,
            extensions = @Extension(name = "x-required-scope", value = Scopes.MODELS_WRITE))
    @RequestBody(
            required = true,
            description = "A SavedModel directory as a zip or tar.gz archive.",
            content = {
                @Content(mediaType = "application/zip", schema = @Schema(type = SchemaType.STRING, format = "binary")),
                @Content(mediaType = "application/gzip", schema = @Schema(type = SchemaType.STRING, format = "binary"))
            })
    @APIResponse(
            responseCode = "201",
            description = "The new version.",
            headers = @Header(name = "Location", ref = "Location"),
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = VersionBody.class)))
    @APIResponse(responseCode = "422", ref = "Unprocessable")
    public Response upload(
            @Parameter(description = NAME) @PathParam("name") String name,
            @Parameter(hidden = true) @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @Parameter(
                            description = IdempotentRequest.KEY_DESCRIPTION,
                            schema = @Schema(type = SchemaType.STRING, pattern = IdempotentRequest.KEY_PATTERN))
                    @HeaderParam(IdempotentRequest.HEADER)
                    String idempotencyKey,
            InputStream body)
            throws IOException {
        return uploadVersion(name, contentType, body, idempotencyKey);
    }

    @GET
    @Path("{name}/versions")
    @Operation(
            operationId = "listModelVersions",
            summary = "List a model's versions",
            description = "Requires scope `models:read`. Newest first.",
            extensions = @Extension(name = "x-required-scope", value = Scopes.MODELS_READ))
    @APIResponse(responseCode = "200", description = "One page of versions, newest first.")
    public Page<VersionBody> versions(
            @Parameter(description = NAME) @PathParam("name") String name,
            @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor) {
        return listVersions(name, limit, cursor);
    }

    @GET
    @Path("{name}/versions/{version}")
    @Operation(
            operationId = "getModelVersion",
            summary = "Read a version",
            description = "Requires scope `models:read`. A version that is not a positive integer is a 400.",
            extensions = @Extension(name = "x-required-scope", value = Scopes.MODELS_READ))
    @APIResponse(responseCode = "200", description = "The version with its signatures.")
    @APIResponse(responseCode = "400", ref = "BadRequest")
    public VersionBody version(
            @Parameter(description = NAME) @PathParam("name") String name,
            @Parameter(description = VERSION) @PathParam("version") String version) {
        return getVersion(name, version);
    }

    @DELETE
    @Path("{name}/versions/{version}")
    @Operation(
            operationId = "deleteModelVersion",
            summary = "Delete a version",
            description = "Requires scope `models:write`. Refused with 409 while an alias points to the version;"
                    + " its number is never handed out again.",
            extensions = @Extension(name = "x-required-scope", value = Scopes.MODELS_WRITE))
    @APIResponse(responseCode = "204", description = "Deleted.")
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "409", ref = "Conflict")
    public Response deleteVersion(
            @Parameter(description = NAME) @PathParam("name") String name,
            @Parameter(description = VERSION) @PathParam("version") String version) {
        return removeVersion(name, version);
    }

    @PUT
    @Path("{name}/aliases/{alias}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            operationId = "setModelAlias",
            summary = "Point an alias at a version",
            description = "Requires scope `models:write`. Creates the alias or moves it. An alias name that does not"
                    + " match `" + NAME_PATTERN + "`, or a version the model does not have, is a 422. Where a job"
                    + " names no version, alias `production` is used if set, else the newest version.",
            extensions = @Extension(name = "x-required-scope", value = Scopes.MODELS_WRITE))
    @RequestBody(required = true)
    @APIResponse(responseCode = "200", description = "The alias.")
    @APIResponse(responseCode = "422", ref = "Unprocessable")
    public AliasBody setAlias(
            @Parameter(description = NAME) @PathParam("name") String name,
            @Parameter(description = ALIAS) @PathParam("alias") String alias,
            SetAlias request) {
        return pointAlias(name, alias, request);
    }

    @DELETE
    @Path("{name}/aliases/{alias}")
    @Operation(
            operationId = "deleteModelAlias",
            summary = "Delete an alias",
            description = "Requires scope `models:write`.",
            extensions = @Extension(name = "x-required-scope", value = Scopes.MODELS_WRITE))
    @APIResponse(responseCode = "204", description = "Deleted.")
    public Response deleteAlias(
            @Parameter(description = NAME) @PathParam("name") String name,
            @Parameter(description = ALIAS) @PathParam("alias") String alias) {
        return removeAlias(name, alias);
    }

    @Override
    protected String basePath() {
        return "/v1/models";
    }

    @Override
    protected Owner reader() {
        return Owner.tenant(caller.tenantWithScope(Scopes.MODELS_READ));
    }

    @Override
    protected Optional<PlanLimits> plan() {
        return caller.plan();
    }

    @Override
    protected String requestId() {
        return caller.requestId();
    }

    @Override
    protected Owner writer() {
        return Owner.tenant(caller.tenantWithScope(Scopes.MODELS_WRITE));
    }
}
