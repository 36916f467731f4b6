package io.aiaas.common.quarkus.openapi;

import io.aiaas.common.error.Problem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.headers.Header;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;
import org.eclipse.microprofile.openapi.models.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

/**
 * Makes a service's generated OpenAPI document a part of the public API, ready for the gateway to assemble: the
 * platform's shared components (the problem body, the problem responses, paging and request-id parameters, the
 * gateway's security schemes), and on every public operation ({@code /v1/**}, {@code /admin/v1/**}) what every such
 * operation has whatever its resource says: its security, the {@code X-Request-Id} parameter and header, and the
 * problem responses that follow from its shape (401, 403 and 503 always; 404 with path parameters; 400 with query
 * parameters or a body; 413 and 415 with a body). Paths under {@code /internal} are not public and are left out.
 * Resources declare the rest: summaries, descriptions, success responses and the problems particular to them.
 *
 * <p>Active where a service names it: {@code mp.openapi.filter=io.aiaas.common.quarkus.openapi.PublicApiDocument}.
 */
public class PublicApiDocument implements OASFilter {
    public static final String PROBLEM = "Problem";

    /** Problem responses of the components, by status: the descriptions are the contract's. */
    private static final Map<String, String[]> PROBLEMS = new LinkedHashMap<>();

    static {
        PROBLEMS.put("400", new String[] {
            "BadRequest",
            "The request cannot be read: not JSON, wrong JSON types, missing required members, bad query parameters"
                    + " or headers."
        });
        PROBLEMS.put("401", new String[] {
            "Unauthorized",
            "Missing, malformed, unknown, expired or revoked credentials (or an API key under `/admin`)."
        });
        PROBLEMS.put("403", new String[] {
            "Forbidden",
            "The API key lacks the scope this operation needs, the tenant is suspended (type"
                    + " `/problems/tenant-suspended`), or the access token lacks the role `platform-admin`."
        });
        PROBLEMS.put("404", new String[] {"NotFound", "No such object, or it belongs to another tenant."});
        PROBLEMS.put("409", new String[] {
            "Conflict",
            "The request conflicts with the current state: the name is taken, the `Idempotency-Key` was used with"
                    + " another body, or an alias still points to the version."
        });
        PROBLEMS.put("413", new String[] {
            "PayloadTooLarge",
            "The body or archive (packed or unpacked) is larger than the caller's plan or the platform accepts."
        });
        PROBLEMS.put("415", new String[] {"UnsupportedMediaType", "This `Content-Type` is not accepted here."});
        PROBLEMS.put(
                "422", new String[] {"Unprocessable", "The request reads fine but asks for something impossible."});
        PROBLEMS.put("503", new String[] {
            "Unavailable",
            "A part of the platform (a service, its database) is down for a moment; nothing was done. Retry after"
                    + " `Retry-After` seconds."
        });
    }

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        addComponents(openAPI);
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        for (Map.Entry<String, PathItem> entry :
                Map.copyOf(openAPI.getPaths().getPathItems()).entrySet()) {
            String path = entry.getKey();
            if (path.startsWith("/internal")) {
                openAPI.getPaths().removePathItem(path);
                continue;
            }
            boolean tenant = path.startsWith("/v1/");
            boolean admin = path.startsWith("/admin/v1/");
            if (!tenant && !admin) {
                continue;
            }
            for (Operation operation : entry.getValue().getOperations().values()) {
                decorate(operation, path, admin);
            }
        }
    }

    private static void decorate(Operation operation, String path, boolean admin) {
        if (operation.getSecurity() == null || operation.getSecurity().isEmpty()) {
            List<SecurityRequirement> security = new ArrayList<>();
            if (admin) {
                security.add(OASFactory.createSecurityRequirement().addScheme("adminToken"));
            } else {
                security.add(OASFactory.createSecurityRequirement().addScheme("apiKey"));
                security.add(OASFactory.createSecurityRequirement().addScheme("apiKeyHeader"));
            }
            operation.setSecurity(security);
        }
        List<Parameter> parameters = new ArrayList<>();
        boolean queryParameters = false;
        if (operation.getParameters() != null) {
            for (Parameter p : operation.getParameters()) {
                if (p.getIn() == Parameter.In.QUERY && "limit".equals(p.getName())) {
                    parameters.add(ref("Limit"));
                } else if (p.getIn() == Parameter.In.QUERY && "cursor".equals(p.getName())) {
                    parameters.add(ref("Cursor"));
                } else {
                    parameters.add(p);
                }
                queryParameters |= p.getIn() == Parameter.In.QUERY;
            }
        }
        parameters.add(ref("RequestId"));
        operation.setParameters(parameters);

        APIResponses responses = operation.getResponses();
        if (responses == null) {
            responses = OASFactory.createAPIResponses();
            operation.setResponses(responses);
        }
        if (responses.getAPIResponses() != null) {
            for (Map.Entry<String, APIResponse> r : responses.getAPIResponses().entrySet()) {
                if (r.getKey().startsWith("2") && r.getValue().getRef() == null) {
                    r.getValue()
                            .addHeader("X-Request-Id", OASFactory.createHeader().ref("XRequestId"));
                }
            }
        }
        boolean body = operation.getRequestBody() != null;
        addProblem(responses, "401");
        addProblem(responses, "403");
        if (path.contains("{")) {
            addProblem(responses, "404");
        }
        if (body || queryParameters) {
            addProblem(responses, "400");
        }
        if (body) {
            addProblem(responses, "413");
            addProblem(responses, "415");
        }
        addProblem(responses, "503");
    }

    private static void addProblem(APIResponses responses, String status) {
        if (!responses.hasAPIResponse(status)) {
            responses.addAPIResponse(status, OASFactory.createAPIResponse().ref(PROBLEMS.get(status)[0]));
        }
    }

    private static Parameter ref(String name) {
        return OASFactory.createParameter().ref(name);
    }

    private static void addComponents(OpenAPI openAPI) {
        Components components = openAPI.getComponents();
        if (components == null) {
            components = OASFactory.createComponents();
            openAPI.setComponents(components);
        }
        components.addSchema(PROBLEM, problemSchema());

        Header requestId = OASFactory.createHeader()
                .description("The request's id (the caller's when it sent a sane one).")
                .schema(string());
        components.addHeader("XRequestId", requestId);
        components.addHeader(
                "Location",
                OASFactory.createHeader()
                        .description("Where the created or accepted object can be read.")
                        .schema(string().format("uri-reference")));
        components.addHeader(
                "RetryAfter",
                OASFactory.createHeader()
                        .description("Seconds to wait before trying again.")
                        .schema(OASFactory.createSchema().addType(Schema.SchemaType.INTEGER)));

        components.addParameter(
                "RequestId",
                OASFactory.createParameter()
                        .name("X-Request-Id")
                        .in(Parameter.In.HEADER)
                        .required(false)
                        .description("Your id for this request, echoed in the response's `X-Request-Id` and in problem"
                                + " bodies; without one (or with one that is not sane) the platform makes one.")
                        .schema(string()));
        components.addParameter(
                "Limit",
                OASFactory.createParameter()
                        .name("limit")
                        .in(Parameter.In.QUERY)
                        .required(false)
                        .description("Page size; default 20, larger values are clamped to 100; below 1 or not a number"
                                + " is a 400.")
                        .schema(OASFactory.createSchema()
                                .addType(Schema.SchemaType.INTEGER)
                                .minimum(java.math.BigDecimal.ONE)
                                .defaultValue(20)));
        components.addParameter(
                "Cursor",
                OASFactory.createParameter()
                        .name("cursor")
                        .in(Parameter.In.QUERY)
                        .required(false)
                        .description(
                                "The previous page's `nextCursor` (opaque); one the server did not issue is a 400.")
                        .schema(string()));

        for (String[] problem : PROBLEMS.values()) {
            APIResponse response = OASFactory.createAPIResponse()
                    .description(problem[1])
                    .addHeader("X-Request-Id", OASFactory.createHeader().ref("XRequestId"))
                    .content(problemContent());
            if (problem[0].equals("Unavailable")) {
                response.addHeader("Retry-After", OASFactory.createHeader().ref("RetryAfter"));
            }
            components.addResponse(problem[0], response);
        }

        components.addSecurityScheme(
                "apiKey",
                OASFactory.createSecurityScheme()
                        .type(SecurityScheme.Type.HTTP)
                        .scheme("bearer")
                        .bearerFormat("aiaas API key")
                        .description("A tenant's API key as a bearer token: `Authorization: Bearer aiaas_…` (`aiaas_`"
                                + " and 46 base62 characters)."));
        components.addSecurityScheme(
                "apiKeyHeader",
                OASFactory.createSecurityScheme()
                        .type(SecurityScheme.Type.APIKEY)
                        .in(SecurityScheme.In.HEADER)
                        .name("X-API-Key")
                        .description("The same API key in the `X-API-Key` header."));
        components.addSecurityScheme(
                "adminToken",
                OASFactory.createSecurityScheme()
                        .type(SecurityScheme.Type.HTTP)
                        .scheme("bearer")
                        .bearerFormat("JWT")
                        .description("An access token from Keycloak realm `aiaas` whose realm roles include"
                                + " `platform-admin`. A token without that role gets 403; an API key under `/admin`"
                                + " gets 401."));
    }

    private static Content problemContent() {
        return OASFactory.createContent()
                .addMediaType(
                        Problem.MEDIA_TYPE,
                        OASFactory.createMediaType()
                                .schema(OASFactory.createSchema().ref(PROBLEM)));
    }

    private static Schema problemSchema() {
        return OASFactory.createSchema()
                .addType(Schema.SchemaType.OBJECT)
                .description("An RFC 9457 problem. Members other than these may appear and are to be ignored.")
                .addRequired("type")
                .addRequired("title")
                .addRequired("status")
                .addProperty(
                        "type",
                        string().format("uri-reference")
                                .description("`/problems/<slug>`, or the IANA quota-exceeded type for rate limits."))
                .addProperty("title", string())
                .addProperty("status", OASFactory.createSchema().addType(Schema.SchemaType.INTEGER))
                .addProperty("detail", string().description("What went wrong, safe to show."))
                .addProperty("instance", string().description("The request's path."))
                .addProperty("requestId", string().description("The request's id, as in `X-Request-Id`."))
                .additionalPropertiesBoolean(true);
    }

    private static Schema string() {
        return OASFactory.createSchema().addType(Schema.SchemaType.STRING);
    }
}
