package io.aiaas.model.api;

import io.aiaas.common.auth.Scopes;
import io.aiaas.common.http.RequestIds;
import io.aiaas.common.json.Json;
import io.aiaas.common.page.Page;
import io.aiaas.common.page.PageRequest;
import io.aiaas.common.quarkus.auth.CallerContext;
import io.aiaas.common.quarkus.idempotency.IdempotentRequest;
import io.aiaas.common.quarkus.idempotency.IdempotentResponses;
import io.aiaas.model.domain.Dataset;
import io.aiaas.model.service.DatasetCatalogue;
import io.aiaas.model.service.DatasetUploads;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
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

@Path("/v1/datasets")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Datasets", description = "A tenant's CSV datasets, for batch inference and training.")
public class DatasetResource {
    private final CallerContext caller;
    private final DatasetUploads uploads;
    private final DatasetCatalogue catalogue;
    private final IdempotentResponses responses;

    public DatasetResource(
            CallerContext caller, DatasetUploads uploads, DatasetCatalogue catalogue, IdempotentResponses responses) {
        this.caller = caller;
        this.uploads = uploads;
        this.catalogue = catalogue;
        this.responses = responses;
    }

    /** A dataset as the API shows it. */
    public record DatasetBody(
            String id,
            String name,
            long rows,
            int features,
            String labelColumn,
            long labelMin,
            long labelMax,
            List<String> columns,
            long sizeBytes,
            String sha256,
            Instant createdAt) {
        static DatasetBody of(Dataset d) {
            return new DatasetBody(
                    d.id,
                    d.name,
                    d.rows,
                    d.features,
                    d.labelColumn,
                    d.labelMin,
                    d.labelMax,
                    List.of(Json.read(d.header, String[].class)),
                    d.sizeBytes,
                    d.sha256,
                    d.createdAt);
        }
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Operation(
            operationId = "uploadDataset",
            summary = "Upload a dataset (CSV)",
            description = "Requires scope `datasets:write`. `text/csv`, plain or with `Content-Encoding: gzip`: a"
                    + " header row of distinct names including the label column `label`, then at least one row of"
                    + " as many cells, finite numbers, the label an integer. Checked while it streams; a broken rule"
                    + " is a 422 naming the line (the header is line 1), and nothing is stored. Another media type or"
                    + " encoding is a 415, gzip that is not gzip a 400. Bounded by the plan's `maxModelBytes` and the"
                    + " storage it has left (`storageBytes`, counted uncompressed): 413. " + IdempotentRequest.HONOURED
                    + " The query and the content's SHA-256 (uncompressed) stand for the request: a repeat of the same"
                    + " content answers the first dataset again without storing another.",
            extensions = @Extension(name = "x-required-scope", value = Scopes.DATASETS_WRITE))
    @RequestBody(
            required = true,
            content = @Content(mediaType = "text/csv", schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(
            responseCode = "201",
            description = "The dataset.",
            headers = @Header(name = "Location", ref = "Location"),
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON,
                            schema = @Schema(implementation = DatasetBody.class)))
    @APIResponse(responseCode = "413", ref = "PayloadTooLarge")
    @APIResponse(responseCode = "415", ref = "UnsupportedMediaType")
    @APIResponse(responseCode = "422", ref = "Unprocessable")
    public Response upload(
            @Parameter(description = "The dataset's name (the model name rule).") @QueryParam("name") String name,
            @Parameter(description = "The label column's name.") @QueryParam("label") String label,
            @Parameter(hidden = true) @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @Parameter(hidden = true) @HeaderParam(HttpHeaders.CONTENT_ENCODING) String contentEncoding,
            @Parameter(hidden = true) @HeaderParam(RequestIds.REQUEST_ID_HEADER) String requestId,
            @Parameter(
                            description = IdempotentRequest.KEY_DESCRIPTION,
                            schema = @Schema(type = SchemaType.STRING, pattern = IdempotentRequest.KEY_PATTERN))
                    @HeaderParam(IdempotentRequest.HEADER)
                    String idempotencyKey,
            InputStream body)
            throws IOException {
        String tenant = caller.tenantWithScope(Scopes.DATASETS_WRITE);
        return responses.toResponse(uploads.upload(
                tenant,
                caller.plan(),
                new DatasetUploads.Upload(name, label, contentType, contentEncoding),
                body,
                caller.actor(),
                requestId,
                IdempotentRequest.of(tenant, idempotencyKey, "POST", "/v1/datasets", name, label),
                dataset -> responses.created("/v1/datasets/" + dataset.id, DatasetBody.of(dataset))));
    }

    @GET
    @Operation(
            operationId = "listDatasets",
            summary = "List the tenant's datasets",
            description = "Requires scope `datasets:read`. Newest first.",
            extensions = @Extension(name = "x-required-scope", value = Scopes.DATASETS_READ))
    @APIResponse(responseCode = "200", description = "One page of datasets.")
    public Page<DatasetBody> list(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        String tenant = caller.tenantWithScope(Scopes.DATASETS_READ);
        return catalogue.list(tenant, PageRequest.of(limit, cursor)).map(DatasetBody::of);
    }

    @GET
    @Path("{id}")
    @Operation(
            operationId = "getDataset",
            summary = "Read a dataset",
            description = "Requires scope `datasets:read`.",
            extensions = @Extension(name = "x-required-scope", value = Scopes.DATASETS_READ))
    @APIResponse(responseCode = "200", description = "The dataset.")
    @APIResponse(responseCode = "404", ref = "NotFound")
    public DatasetBody get(@PathParam("id") String id) {
        return DatasetBody.of(catalogue.get(caller.tenantWithScope(Scopes.DATASETS_READ), id));
    }

    @DELETE
    @Path("{id}")
    @Operation(
            operationId = "deleteDataset",
            summary = "Delete a dataset",
            description = "Requires scope `datasets:write`. A 409 while a queued or running job uses it.",
            extensions = @Extension(name = "x-required-scope", value = Scopes.DATASETS_WRITE))
    @APIResponse(responseCode = "204", description = "Deleted.")
    @APIResponse(responseCode = "404", ref = "NotFound")
    @APIResponse(responseCode = "409", ref = "Conflict")
    public Response delete(
            @PathParam("id") String id,
            @Parameter(hidden = true) @HeaderParam(RequestIds.REQUEST_ID_HEADER) String requestId) {
        catalogue.delete(caller.tenantWithScope(Scopes.DATASETS_WRITE), id, caller.actor(), requestId);
        return Response.noContent().build();
    }
}
