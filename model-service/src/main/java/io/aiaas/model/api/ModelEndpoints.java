package io.aiaas.model.api;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.common.plan.PlanLimits;
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

/**
 * The model endpoints, served twice: to tenants under {@code /v1/models} and to administrators for the platform
 * catalogue under {@code /admin/v1/models}. Subclasses say only where they live and whose models they act on.
 */
@Produces(MediaType.APPLICATION_JSON)
public abstract class ModelEndpoints {
    private final ModelCatalogue catalogue;
    private final ModelVersionUploads uploads;

    protected ModelEndpoints(ModelCatalogue catalogue, ModelVersionUploads uploads) {
        this.catalogue = catalogue;
        this.uploads = uploads;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(CreateModel request) {
        if (request == null) {
            throw ApiException.badRequest("A JSON body is required.");
        }
        ModelBody created = ModelBody.of(catalogue.create(writer(), request.name(), request.description()));
        return Response.status(Response.Status.CREATED)
                .header(HttpHeaders.LOCATION, basePath() + "/" + created.name())
                .entity(created)
                .build();
    }

    @GET
    public Page<ModelBody> list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        return catalogue.list(reader(), PageRequest.of(limit, cursor)).map(ModelBody::of);
    }

    @GET
    @Path("{name}")
    public ModelBody get(@PathParam("name") String name) {
        return ModelBody.of(catalogue.get(reader(), name));
    }

    @PATCH
    @Path("{name}")
    @Consumes({MediaType.APPLICATION_JSON, "application/merge-patch+json"})
    public ModelBody patch(@PathParam("name") String name, PatchModel request) {
        if (request == null) {
            throw ApiException.badRequest("A JSON body is required.");
        }
        return ModelBody.of(catalogue.describe(writer(), name, request.description()));
    }

    @DELETE
    @Path("{name}")
    public Response delete(@PathParam("name") String name) {
        catalogue.delete(writer(), name);
        return Response.noContent().build();
    }

    /** The body is the archive itself, streamed: {@code application/zip} or {@code application/gzip} (tar.gz). */
    @POST
    @Path("{name}/versions")
    @Consumes(MediaType.WILDCARD)
    public Response upload(
            @PathParam("name") String name, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, InputStream body)
            throws IOException {
        Owner owner = writer();
        VersionBody version =
                VersionBody.of(uploads.upload(owner, name, contentType, body, uploads.modelBytesLimit(plan())));
        return Response.status(Response.Status.CREATED)
                .header(HttpHeaders.LOCATION, basePath() + "/" + name + "/versions/" + version.version())
                .entity(version)
                .build();
    }

    @GET
    @Path("{name}/versions")
    public Page<VersionBody> versions(
            @PathParam("name") String name, @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        return catalogue.versions(reader(), name, PageRequest.of(limit, cursor)).map(VersionBody::of);
    }

    @GET
    @Path("{name}/versions/{version}")
    public VersionBody version(@PathParam("name") String name, @PathParam("version") String version) {
        return VersionBody.of(catalogue.version(reader(), name, PathParams.version(version)));
    }

    @DELETE
    @Path("{name}/versions/{version}")
    public Response deleteVersion(@PathParam("name") String name, @PathParam("version") String version) {
        catalogue.deleteVersion(writer(), name, PathParams.version(version));
        return Response.noContent().build();
    }

    @PUT
    @Path("{name}/aliases/{alias}")
    @Consumes(MediaType.APPLICATION_JSON)
    public AliasBody setAlias(@PathParam("name") String name, @PathParam("alias") String alias, SetAlias request) {
        return AliasBody.of(catalogue.setAlias(writer(), name, alias, request == null ? null : request.version()));
    }

    @DELETE
    @Path("{name}/aliases/{alias}")
    public Response deleteAlias(@PathParam("name") String name, @PathParam("alias") String alias) {
        catalogue.deleteAlias(writer(), name, alias);
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
}
