package io.aiaas.gateway.api;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.http.RequestIds;
import io.aiaas.gateway.auth.AdministratorAuthenticator;
import io.aiaas.gateway.auth.ApiKeyAuthenticator;
import io.aiaas.gateway.auth.Caller;
import io.aiaas.gateway.auth.PresentedCredentials;
import io.aiaas.gateway.proxy.ForwardedRequest;
import io.aiaas.gateway.proxy.PublicPath;
import io.aiaas.gateway.proxy.Route;
import io.aiaas.gateway.proxy.RouteTable;
import io.aiaas.gateway.proxy.ServiceProxy;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * The public API: every path under {@code /v1}, {@code /v2}, {@code /tfserving} and {@code /admin}. Authenticates the
 * caller, checks the route's scope, and hands the call to {@link ServiceProxy}.
 */
@Path("/")
@Blocking
public class PublicApiResource {
    private static final String PATH = "{path: .*}";

    private final RouteTable routes;
    private final ApiKeyAuthenticator apiKeys;
    private final AdministratorAuthenticator administrators;
    private final ServiceProxy proxy;

    public PublicApiResource(
            RouteTable routes,
            ApiKeyAuthenticator apiKeys,
            AdministratorAuthenticator administrators,
            ServiceProxy proxy) {
        this.routes = routes;
        this.apiKeys = apiKeys;
        this.administrators = administrators;
        this.proxy = proxy;
    }

    @GET
    @Path(PATH)
    @Operation(hidden = true)
    public Response get(@Context UriInfo uri, @Context HttpHeaders headers, @Context Request request) {
        return handle(request.getMethod(), uri, headers, null);
    }

    @DELETE
    @Path(PATH)
    @Operation(hidden = true)
    public Response delete(@Context UriInfo uri, @Context HttpHeaders headers, @Context Request request) {
        return handle(request.getMethod(), uri, headers, null);
    }

    @POST
    @Path(PATH)
    @Operation(hidden = true)
    public Response post(
            @Context UriInfo uri, @Context HttpHeaders headers, @Context Request request, InputStream body) {
        return handle(request.getMethod(), uri, headers, body);
    }

    @PUT
    @Path(PATH)
    @Operation(hidden = true)
    public Response put(
            @Context UriInfo uri, @Context HttpHeaders headers, @Context Request request, InputStream body) {
        return handle(request.getMethod(), uri, headers, body);
    }

    @PATCH
    @Path(PATH)
    @Operation(hidden = true)
    public Response patch(
            @Context UriInfo uri, @Context HttpHeaders headers, @Context Request request, InputStream body) {
        return handle(request.getMethod(), uri, headers, body);
    }

    private Response handle(String method, UriInfo uri, HttpHeaders headers, InputStream body) {
        URI requestUri = uri.getRequestUri();
        String path = requestUri.getRawPath();
        Route.Access access = routes.area(path).orElseThrow(() -> ApiException.notFound("No such resource."));
        PublicPath.check(path);
        String requestId = headers.getHeaderString(RequestIds.REQUEST_ID_HEADER);
        PresentedCredentials credentials = PresentedCredentials.of(headers);

        Caller caller = access == Route.Access.ADMINISTRATOR
                ? administrators.authenticate(credentials, requestId)
                : apiKeys.authenticate(credentials, requestId);
        Route route = routes.resolve(method, path).orElseThrow(() -> ApiException.notFound("No such resource."));
        if (caller instanceof Caller.Tenant tenant && route.scope() != null && !tenant.hasScope(route.scope())) {
            throw ApiException.forbidden("The API key lacks the scope '" + route.scope() + "'.");
        }

        Map<String, String> forwarded = new LinkedHashMap<>();
        for (String name : ServiceProxy.FORWARDED_HEADERS) {
            String value = headers.getHeaderString(name);
            if (value != null) {
                forwarded.put(name, value);
            }
        }
        long length = contentLength(headers);
        InputStream forwardedBody = length > 0 ? body : length < 0 ? bodyOfUnknownLength(body) : null;
        return proxy.forward(
                route,
                caller,
                new ForwardedRequest(method, path, requestUri.getRawQuery(), forwarded, forwardedBody, length),
                requestId);
    }

    private static long contentLength(HttpHeaders headers) {
        String value = headers.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("The Content-Length header is malformed.");
        }
    }

    /** A chunked body, or null when the request has none (no Content-Length and nothing to read). */
    private static InputStream bodyOfUnknownLength(InputStream body) {
        if (body == null) {
            return null;
        }
        try {
            PushbackInputStream peek = new PushbackInputStream(body, 1);
            int first = peek.read();
            if (first < 0) {
                return null;
            }
            peek.unread(first);
            return peek;
        } catch (IOException e) {
            throw ApiException.badRequest("The request body could not be read.");
        }
    }
}
