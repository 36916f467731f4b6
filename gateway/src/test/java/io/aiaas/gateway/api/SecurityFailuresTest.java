package io.aiaas.gateway.api;

import static io.aiaas.gateway.support.Problems.problem;
import static io.restassured.RestAssured.given;

import io.aiaas.gateway.support.StandIns;
import io.quarkus.security.AuthenticationCompletionException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.AuthenticationRedirectException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import org.junit.jupiter.api.Test;

/** Quarkus security's exceptions, should any escape into JAX-RS, become problem+json with a request id. */
@QuarkusTest
@QuarkusTestResource(StandIns.class)
class SecurityFailuresTest {

    @Path("/test-security")
    public static class Thrower {
        @GET
        @Path("{kind}")
        public String fail(@PathParam("kind") String kind) {
            throw switch (kind) {
                case "unauthorized" -> new UnauthorizedException();
                case "failed" -> new AuthenticationFailedException("bad token");
                case "completion" -> new AuthenticationCompletionException();
                case "redirect" -> new AuthenticationRedirectException("https://idp.example/login");
                default -> new ForbiddenException();
            };
        }
    }

    @Test
    void securityExceptionsAreProblems() {
        for (String kind : new String[] {"unauthorized", "failed", "completion", "redirect"}) {
            problem(given().get("/test-security/" + kind).then(), 401, "unauthorized");
        }
        problem(given().get("/test-security/forbidden").then(), 403, "forbidden");
    }
}
