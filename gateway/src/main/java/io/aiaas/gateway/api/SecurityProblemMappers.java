package io.aiaas.gateway.api;

import io.aiaas.common.error.ProblemType;
import io.aiaas.common.quarkus.error.ProblemMappers;
import io.quarkus.security.AuthenticationCompletionException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.AuthenticationRedirectException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Quarkus security's own failures as problem+json, should any reach JAX-RS (the gateway authenticates in its own
 * code, but an annotation such as {@code @RolesAllowed} would raise these). A redirect makes no sense for an API: 401.
 */
public class SecurityProblemMappers {
    private static final String CHALLENGE = "Bearer realm=\"aiaas\"";

    @ServerExceptionMapper(priority = Priorities.USER - 100)
    public Response unauthorized(UnauthorizedException e, ContainerRequestContext request) {
        return unauthorized(request);
    }

    @ServerExceptionMapper(priority = Priorities.USER - 100)
    public Response authenticationFailed(AuthenticationFailedException e, ContainerRequestContext request) {
        return unauthorized(request);
    }

    @ServerExceptionMapper(priority = Priorities.USER - 100)
    public Response authenticationCompletion(AuthenticationCompletionException e, ContainerRequestContext request) {
        return unauthorized(request);
    }

    @ServerExceptionMapper(priority = Priorities.USER - 100)
    public Response authenticationRedirect(AuthenticationRedirectException e, ContainerRequestContext request) {
        return unauthorized(request);
    }

    @ServerExceptionMapper(priority = Priorities.USER - 100)
    public Response forbidden(ForbiddenException e, ContainerRequestContext request) {
        return ProblemMappers.respond(ProblemMappers.problem(
                        ProblemType.FORBIDDEN, "The caller lacks the role this call needs.", request))
                .build();
    }

    private static Response unauthorized(ContainerRequestContext request) {
        return ProblemMappers.respond(
                        ProblemMappers.problem(ProblemType.UNAUTHORIZED, "Valid credentials are required.", request))
                .header("WWW-Authenticate", CHALLENGE)
                .build();
    }
}
