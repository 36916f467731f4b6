package io.aiaas.common.quarkus.auth;

import io.aiaas.common.auth.InternalTokenVerifier;
import io.aiaas.common.error.ProblemType;
import io.aiaas.common.quarkus.error.ProblemMappers;
import io.aiaas.common.quarkus.http.RequestIdFilters;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses (401) every call to a service that lacks a valid internal token. Active in applications that produce an
 * {@link InternalTokenVerifier} bean, i.e. the internal services; the gateway has none and is not affected.
 */
public class InternalAuthFilter {
    @Inject
    Instance<InternalTokenVerifier> verifier;

    @Inject
    CallerContext caller;

    /** Made on first use from the service's verifier: applications without one never get here. */
    private volatile VerifiedTokens tokens;

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Response authenticate(ContainerRequestContext request) {
        if (verifier.isUnsatisfied()) {
            return null;
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? header.substring(7).trim()
                : null;
        var verified = tokens().verify(token);
        if (verified.isEmpty()) {
            return ProblemMappers.respond(ProblemMappers.problem(
                            ProblemType.UNAUTHORIZED, "A valid internal token is required.", request))
                    .build();
        }
        caller.set(verified.get(), RequestIdFilters.requestId(request));
        return null;
    }

    private VerifiedTokens tokens() {
        VerifiedTokens current = tokens;
        if (current == null) {
            synchronized (this) {
                current = tokens;
                if (current == null) {
                    current = new VerifiedTokens(verifier.get());
                    tokens = current;
                }
            }
        }
        return current;
    }
}
