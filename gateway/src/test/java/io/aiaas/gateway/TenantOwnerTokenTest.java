package io.aiaas.gateway;

import static io.aiaas.gateway.support.Problems.problem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.aiaas.common.auth.InternalToken;
import io.aiaas.common.auth.Scopes;
import io.aiaas.common.id.Ids;
import io.aiaas.common.json.Json;
import io.aiaas.gateway.support.StandInService;
import io.aiaas.gateway.support.StandIns;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.infra.testing.KeycloakAdmin;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tenant owners on /v1 with Keycloak tokens (CONTRACT "Tenant people"): real Keycloak tokens whose claim
 * {@code tenant_id} comes from the user attribute, a stand-in tenant-service that knows the tenants.
 */
@QuarkusTest
@QuarkusTestResource(StandIns.class)
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = @ResourceArg(name = "keycloak", value = "true"),
        restrictToAnnotatedClass = true)
class TenantOwnerTokenTest {
    private static final Pattern OWNER_VERIFY = Pattern.compile("^/internal/v1/tenants/([^/]+)/owner/verify$");

    /** The tenants the stand-in tenant-service knows, with their status; any other is unknown (404). */
    private static final Map<String, String> TENANTS = new ConcurrentHashMap<>();

    @BeforeEach
    void reset() {
        StandIns.resetAnswers();
        StandIns.tenantService.answerWith(TenantOwnerTokenTest::tenantService);
    }

    private static void tenantService(StandInService.Received r, com.sun.net.httpserver.HttpExchange exchange)
            throws IOException {
        Matcher m = OWNER_VERIFY.matcher(r.path());
        if (!m.matches()) {
            StandIns.tenantServiceDefault(r, exchange);
            return;
        }
        InternalToken token = r.token().orElseThrow();
        assertEquals(InternalToken.ISSUER_GATEWAY, token.sub());
        String status = TENANTS.get(m.group(1));
        if (status == null) {
            StandInService.respond(exchange, 404, "application/problem+json", "{\"status\":404}");
            return;
        }
        String subject = Json.mapper().readTree(r.bodyPrefix()).path("subject").asText();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("tenantId", m.group(1));
        answer.put("keyId", "owner:" + subject);
        answer.put("scopes", Scopes.ALL);
        answer.put("tenantStatus", status);
        answer.put("plan", StandIns.plan("standard", 8_388_608, 524_288_000));
        StandInService.respond(exchange, 200, "application/json", Json.write(answer));
    }

    private static KeycloakAdmin keycloakAdmin() {
        return new KeycloakAdmin(InfraTestResource.keycloak().realmUrl(), InfraTestResource.PLATFORM_CLIENT_SECRET);
    }

    /** A Keycloak user of a new tenant known to tenant-service with {@code status}: {@code [tenantId, userId, token]}. */
    private static String[] owner(String status) {
        String tenantId = Ids.newId(Ids.TENANT);
        if (status != null) {
            TENANTS.put(tenantId, status);
        }
        String name = "owner-" + Ids.randomBase62(8).toLowerCase(Locale.ROOT);
        String userId = keycloakAdmin().createUser(name, "pw-" + name, tenantId);
        return new String[] {tenantId, userId, InfraTestResource.keycloak().passwordGrant(name, "pw-" + name)};
    }

    private static void eventually(Runnable check) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            try {
                check.run();
                return;
            } catch (AssertionError e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void ownerTokenActsAsItsTenantWithEveryScope() {
        String[] owner = owner("active");
        given().header("Authorization", "Bearer " + owner[2])
                .get("/v1/models")
                .then()
                .statusCode(200);
        StandInService.Received forwarded = StandIns.modelService.last();
        assertFalse(forwarded.header("Authorization").contains(owner[2]), "the Keycloak token never travels on");
        InternalToken internal = forwarded.token().orElseThrow();
        assertEquals(owner[0], internal.tid(), "the tenant comes from the token's claim");
        assertEquals("owner:" + owner[1], internal.sub());
        assertEquals(Scopes.ALL, internal.scp());
        // keys:manage too: every tenant scope
        given().header("Authorization", "Bearer " + owner[2])
                .get("/v1/api-keys")
                .then()
                .statusCode(200);
        assertEquals(
                owner[0], StandIns.tenantService.last().token().orElseThrow().tid());
    }

    @Test
    void suspendedTenantIs403AndUnknownOrDeletedIs401() {
        String[] owner = owner("active");
        given().header("Authorization", "Bearer " + owner[2])
                .get("/v1/models")
                .then()
                .statusCode(200);
        TENANTS.put(owner[0], "suspended");
        // No tenant events in this test: the cached answer is trusted for at most a second.
        eventually(() -> problem(
                given().header("Authorization", "Bearer " + owner[2])
                        .get("/v1/models")
                        .then(),
                403,
                "tenant-suspended"));
        TENANTS.remove(owner[0]); // deleted
        eventually(() -> problem(
                given().header("Authorization", "Bearer " + owner[2])
                        .get("/v1/models")
                        .then(),
                401,
                "unauthorized"));
        String[] unknown = owner(null);
        problem(
                given().header("Authorization", "Bearer " + unknown[2])
                        .get("/v1/models")
                        .then(),
                401,
                "unauthorized");
    }

    @Test
    void tokenWithoutTenantIs403AdministratorsIncluded() {
        String noRole = InfraTestResource.keycloak().passwordGrant("no-role", "no-role");
        problem(
                        given().header("Authorization", "Bearer " + noRole)
                                .get("/v1/models")
                                .then(),
                        403,
                        "forbidden")
                .body("detail", containsString("tenant_id"));
        String admin = InfraTestResource.keycloak().passwordGrant("admin", "admin");
        problem(
                        given().header("Authorization", "Bearer " + admin)
                                .get("/v1/models")
                                .then(),
                        403,
                        "forbidden")
                .body("detail", containsString("/admin"));
        assertEquals(0, StandIns.modelService.received().size(), "nothing was forwarded");
    }

    @Test
    void forgedOrMalformedTokenIs401() {
        String[] owner = owner("active");
        String forged = owner[2].substring(0, owner[2].lastIndexOf('.') + 1) + "AAAA";
        problem(
                given().header("Authorization", "Bearer " + forged)
                        .get("/v1/models")
                        .then(),
                401,
                "unauthorized");
        // Not a token and not a key: still refused as a malformed key, without asking anyone.
        problem(
                given().header("Authorization", "Bearer not-a-key")
                        .get("/v1/models")
                        .then(),
                401,
                "unauthorized");
    }
}
