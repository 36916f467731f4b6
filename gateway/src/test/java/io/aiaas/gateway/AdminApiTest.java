package io.aiaas.gateway;

import static io.aiaas.gateway.support.Problems.problem;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.Scopes;
import io.aiaas.gateway.support.StandInService;
import io.aiaas.gateway.support.StandIns;
import io.aiaas.infra.testing.InfraTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Administrators on /admin/v1, with tokens from a real Keycloak. */
@QuarkusTest
@QuarkusTestResource(StandIns.class)
// Keycloak only for this class: the other gateway tests start without waiting for it.
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = @ResourceArg(name = "keycloak", value = "true"),
        restrictToAnnotatedClass = true)
class AdminApiTest {

    @BeforeEach
    void reset() {
        StandIns.resetAnswers();
    }

    private static String token(String user) {
        return InfraTestResource.keycloak().passwordGrant(user, user);
    }

    @Test
    void adminTokenIsForwardedAsPlatformAdmin() {
        String token = token("admin");
        given().header("Authorization", "Bearer " + token)
                .header("X-Request-Id", "req-admin-1")
                .contentType("application/json")
                .body("{\"name\":\"acme\",\"plan\":\"free\"}")
                .post("/admin/v1/tenants")
                .then()
                .statusCode(200)
                .header("X-Request-Id", "req-admin-1");
        StandInService.Received r = StandIns.tenantService.last();
        assertEquals("/admin/v1/tenants", r.path());
        assertEquals("{\"name\":\"acme\",\"plan\":\"free\"}", r.bodyText());
        assertFalse(r.header("Authorization").contains(token), "the Keycloak token never travels on");
        InternalToken internal = r.token().orElseThrow();
        assertEquals(InternalToken.AUDIENCE_TENANT_SERVICE, internal.aud());
        assertEquals("admin", internal.sub());
        assertNull(internal.tid());
        assertEquals(List.of(Scopes.ROLE_PLATFORM_ADMIN), internal.roles());
        assertTrue(internal.scp().isEmpty());
        assertNull(internal.rid());
        assertNull(internal.plan());
        assertEquals("req-admin-1", r.header("X-Client-Request-Id"));
    }

    /** Keycloak's issuer no longer follows the host name a token was requested through. */
    @Test
    void tokenRequestedThroughTheLoopbackAddressIsAccepted() {
        String token = InfraTestResource.keycloak().passwordGrant("admin", "admin", "127.0.0.1");
        given().header("Authorization", "Bearer " + token)
                .get("/admin/v1/tenants")
                .then()
                .statusCode(200);
        assertEquals("/admin/v1/tenants", StandIns.tenantService.last().path());
        String noRole = InfraTestResource.keycloak().passwordGrant("no-role", "no-role", "127.0.0.1");
        problem(
                given().header("Authorization", "Bearer " + noRole)
                        .get("/admin/v1/tenants")
                        .then(),
                403,
                "forbidden");
    }

    @Test
    void catalogueGoesToModelService() {
        given().header("Authorization", "Bearer " + token("admin"))
                .get("/admin/v1/models")
                .then()
                .statusCode(200);
        InternalToken internal = StandIns.modelService.last().token().orElseThrow();
        assertEquals(InternalToken.AUDIENCE_MODEL_SERVICE, internal.aud());
        assertEquals(List.of(Scopes.ROLE_PLATFORM_ADMIN), internal.roles());
    }

    @Test
    void tokenWithoutRoleIs403() {
        problem(
                given().header("Authorization", "Bearer " + token("no-role"))
                        .get("/admin/v1/tenants")
                        .then(),
                403,
                "forbidden");
        assertTrue(StandIns.tenantService.received().isEmpty());
    }

    @Test
    void missingOrInvalidTokenIs401() {
        problem(given().get("/admin/v1/tenants").then(), 401, "unauthorized");
        problem(
                given().header("Authorization", "Bearer not.a.token")
                        .get("/admin/v1/tenants")
                        .then(),
                401,
                "unauthorized");
        String token = token("admin");
        String forged = token.substring(0, token.lastIndexOf('.') + 1) + "AAAA";
        problem(
                given().header("Authorization", "Bearer " + forged)
                        .get("/admin/v1/tenants")
                        .then(),
                401,
                "unauthorized");
        assertTrue(StandIns.tenantService.received().isEmpty());
    }

    /** An administrator's token names no tenant: 403 on /v1 (administrators use /admin), nothing forwarded. */
    @Test
    void adminTokenIsRefusedOnTheTenantApi() {
        problem(
                        given().header("Authorization", "Bearer " + token("admin"))
                                .get("/v1/models")
                                .then(),
                        403,
                        "forbidden")
                .body("detail", org.hamcrest.Matchers.containsString("/admin"));
        assertTrue(StandIns.modelService.received().isEmpty());
    }
}
