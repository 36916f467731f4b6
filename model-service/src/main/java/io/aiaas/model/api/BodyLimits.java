package io.aiaas.model.api;

import io.aiaas.common.error.ApiException;
import io.aiaas.model.config.ModelServiceConfig;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses a body announced larger than its endpoint takes (413 problem+json) before reading it: model archives up to
 * {@code aiaas.model.max-model-bytes}, everything else up to {@code aiaas.model.jobs.max-request-bytes}. Bodies
 * without a length are bounded while they are read. {@code quarkus.http.limits.max-body-size} stays above both, as a
 * last resort that answers without a problem body.
 */
public class BodyLimits {
    private final ModelServiceConfig config;

    public BodyLimits(ModelServiceConfig config) {
        this.config = config;
    }

    @ServerRequestFilter(priority = Priorities.AUTHORIZATION)
    public void check(ContainerRequestContext request) {
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length == null) {
            return;
        }
        long bytes;
        try {
            bytes = Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("Content-Length is not a number.");
        }
        boolean upload = HttpMethod.POST.equals(request.getMethod())
                && request.getUriInfo().getPath().endsWith("/versions");
        long limit = upload ? config.maxModelBytes() : config.jobs().maxRequestBytes() + 64 * 1024;
        if (bytes > limit) {
            throw ApiException.tooLarge(
                    upload
                            ? "The archive is larger than the limit of " + limit + " bytes."
                            : "The body is larger than the limit of " + limit + " bytes.");
        }
    }
}
