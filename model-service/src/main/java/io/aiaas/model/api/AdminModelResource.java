package io.aiaas.model.api;

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
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The platform catalogue ({@code /admin/v1/models/**}), for platform administrators: the shape of {@code /v1/models}. */
@Path("/admin/v1/models")
@Produces(MediaType.APPLICATION_JSON)
@Tag(
        name = "Admin catalogue",
        description = "The platform catalogue's models; every tenant can read them under /v1/models.")
public class AdminModelResource extends ModelEndpoints {
    private final CallerContext caller;

    public AdminModelResource(
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
            operationId = "adminCreateModel",
            summary = "Create a catalogue model",
            description = "The name is unique within the catalogue; a name that does not match `"
                    + ModelResource.NAME_PATTERN + "` is a 422, a taken one a 409. A tenant's own model of the"
                    + " same name takes precedence for that tenant. " + IdempotentRequest.HONOURED
                    + " Administrators share one set of keys.")
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
            operationId = "adminListModels",
            summary = "List the platform catalogue's models",
            description = "Newest first; all `\"owner\":\"platform\"`.")
    @APIResponse(responseCode = "200", description = "One page of models.")
    public Page<ModelBody> list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        return listModels(limit, cursor);
    }

    @GET
    @Path("{name}")
    @Operation(operationId = "adminGetModel", summary = "Read a catalogue model")
    @APIResponse(responseCode = "200", description = "The model.")
    public ModelBody get(@Parameter(description = ModelResource.NAME) @PathParam("name") String name) {
        return getModel(name);
    }

    @PATCH
    @Path("{name}")
    @Consumes({MediaType.APPLICATION_JSON, "application/merge-patch+json"})
    @Operation(
            operationId = "adminPatchModel",
            summary = "Change a catalogue model's description",
            description = "Only the description changes; a model is never renamed.")
    @RequestBody(required = true)
    @APIResponse(responseCode = "200", description = "The changed model.")
    public ModelBody patch(
            @Parameter(description = ModelResource.NAME) @PathParam("name") String name, PatchModel request) {
        return patchModel(name, request);
    }

    @DELETE
    @Path("{name}")
    @Operation(
            operationId = "adminDeleteModel",
            summary = "Delete a catalogue model with its versions and aliases",
            description = "The archives go once the deletion is committed.")
    @APIResponse(responseCode = "204", description = "Deleted.")
    public Response delete(@Parameter(description = ModelResource.NAME) @PathParam("name") String name) {
        return deleteModel(name);
    }

    @POST
    @Path("{name}/versions")
    @Consumes(MediaType.WILDCARD)
    @Operation(
            operationId = "adminUploadModelVersion",
            summary = "Upload a new catalogue version (a SavedModel archive)",
            description = ModelResource.UPLOAD
                    + " The limit is the platform's `aiaas.model.max-model-bytes`; the catalogue counts against no"
                    + " `storageBytes`. "
                    + ModelResource.UPLOAD_IDEMPOTENT + " Administrators share one set of keys.")
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
            @Parameter(description = ModelResource.NAME) @PathParam("name") String name,
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
            operationId = "adminListModelVersions",
            summary = "List a catalogue model's versions",
            description = "Newest first.")
    @APIResponse(responseCode = "200", description = "One page of versions, newest first.")
    public Page<VersionBody> versions(
            @Parameter(description = ModelResource.NAME) @PathParam("name") String name,
            @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor) {
        return listVersions(name, limit, cursor);
    }

    @GET
    @Path("{name}/versions/{version}")
    @Operation(
            operationId = "adminGetModelVersion",
            summary = "Read a catalogue version",
            description = "A version that is not a positive integer is a 400.")
    @APIResponse(responseCode = "200", description = "The version with its signatures.")
    @APIResponse(responseCode = "400", ref = "BadRequest")
    public VersionBody version(
            @Parameter(description = ModelResource.NAME) @PathParam("name") String name,
            @Parameter(description = ModelResource.VERSION) @PathParam("version") String version) {
        return getVersion(name, version);
    }

    @DELETE
    @Path("{name}/versions/{version}")
    @Operation(
            operationId = "adminDeleteModelVersion",
            summary = "Delete a catalogue version",
            description =
                    "Refused with 409 while an alias points to the version; its number is never handed out" + " again.")
    @APIResponse(responseCode = "204", description = "Deleted.")
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "409", ref = "Conflict")
    public Response deleteVersion(
            @Parameter(description = ModelResource.NAME) @PathParam("name") String name,
            @Parameter(description = ModelResource.VERSION) @PathParam("version") String version) {
        return removeVersion(name, version);
    }

    @PUT
    @Path("{name}/aliases/{alias}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            operationId = "adminSetModelAlias",
            summary = "Point a catalogue alias at a version",
            description = "Creates the alias or moves it. An alias name that does not match `"
                    + ModelResource.NAME_PATTERN + "`, or a version the model does not have, is a 422.")
    @RequestBody(required = true)
    @APIResponse(responseCode = "200", description = "The alias.")
    @APIResponse(responseCode = "422", ref = "Unprocessable")
    public AliasBody setAlias(
            @Parameter(description = ModelResource.NAME) @PathParam("name") String name,
            @Parameter(description = ModelResource.ALIAS) @PathParam("alias") String alias,
            SetAlias request) {
        return pointAlias(name, alias, request);
    }

    @DELETE
    @Path("{name}/aliases/{alias}")
    @Operation(operationId = "adminDeleteModelAlias", summary = "Delete a catalogue alias")
    @APIResponse(responseCode = "204", description = "Deleted.")
    public Response deleteAlias(
            @Parameter(description = ModelResource.NAME) @PathParam("name") String name,
            @Parameter(description = ModelResource.ALIAS) @PathParam("alias") String alias) {
        return removeAlias(name, alias);
    }

    @Override
    protected String basePath() {
        return "/admin/v1/models";
    }

    @Override
    protected Owner reader() {
        caller.requireAdmin();
        return Owner.PLATFORM;
    }

    @Override
    protected Optional<PlanLimits> plan() {
        return Optional.empty();
    }

    @Override
    protected String requestId() {
        return caller.requestId();
    }

    @Override
    protected Owner writer() {
        caller.requireAdmin();
        return Owner.PLATFORM;
    }
}
