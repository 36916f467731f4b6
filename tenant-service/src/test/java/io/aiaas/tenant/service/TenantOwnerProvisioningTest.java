package io.aiaas.tenant.service;

import static io.aiaas.tenant.testing.Api.allOf;
import static io.aiaas.tenant.testing.Api.asAdmin;
import static io.aiaas.tenant.testing.Api.problem;
import static io.aiaas.tenant.testing.Api.uniqueName;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.tenant.testing.KeycloakOwners;
import io.aiaas.tenant.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tenant owners as users of a real Keycloak: made with the tenant, gone with it (CONTRACT "Tenant people"). */
@QuarkusTest
@TestProfile(KeycloakOwners.Profile.class)
class TenantOwnerProvisioningTest {
    private static final Duration WITHIN = Duration.ofSeconds(20);

    private static String createTenant(String ownerEmail) {
        return asAdmin()
                .body(Map.of("name", uniqueName("owned"), "plan", "free", "ownerEmail", ownerEmail))
                .post("/admin/v1/tenants")
                .then()
                .statusCode(201)
                .body("owner.email", equalTo(ownerEmail))
                .body("owner.status", equalTo("pending"))
                .extract()
                .path("id");
    }

    private static void awaitOwnerStatus(String tenantId, String status) {
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> asAdmin()
                .get("/admin/v1/tenants/" + tenantId)
                .then()
                .statusCode(200)
                .body("owner.status", equalTo(status)));
    }

    @Test
    void ownerIsMadeWithItsTenantAndRemovedWithIt() {
        String email = uniqueName("owner") + "@example.com";
        String tenantId = createTenant(email);
        awaitOwnerStatus(tenantId, "provisioned");
        String userId = KeycloakOwners.admin().userIdByEmail(email).orElseThrow();
        String user = KeycloakOwners.admin().user(userId).orElseThrow();
        assertTrue(user.contains("\"tenant_id\":[\"" + tenantId + "\"]"), user);
        assertTrue(user.contains("UPDATE_PASSWORD"), "the owner chooses a password at first login: " + user);
        assertTrue(user.contains("\"enabled\":true"), user);

        asAdmin().delete("/admin/v1/tenants/" + tenantId).then().statusCode(204);
        await().atMost(WITHIN).until(() -> KeycloakOwners.admin().user(userId).isEmpty());
    }

    @Test
    void existingUserWithoutTenantBecomesTheOwner() {
        String name = uniqueName("person");
        String userId = KeycloakOwners.admin().createUser(name, "pw-" + name, null);
        String tenantId = createTenant(name + "@aiaas.test");
        awaitOwnerStatus(tenantId, "provisioned");
        assertEquals(
                userId,
                KeycloakOwners.admin().userIdByEmail(name + "@aiaas.test").orElseThrow());
        String user = KeycloakOwners.admin().user(userId).orElseThrow();
        assertTrue(user.contains("\"tenant_id\":[\"" + tenantId + "\"]"), user);
        assertTrue(user.contains("\"firstName\":\"Test\""), "the rest of the user is kept: " + user);
    }

    @Test
    void ownerOfAnotherTenantIsNotTakenOver() throws Exception {
        String email = uniqueName("shared") + "@example.com";
        String first = createTenant(email);
        awaitOwnerStatus(first, "provisioned");
        String second = createTenant(email);
        awaitOwnerStatus(second, "failed");
        String userId = KeycloakOwners.admin().userIdByEmail(email).orElseThrow();

        // Deleting the second tenant leaves the first one's owner alone.
        asAdmin().delete("/admin/v1/tenants/" + second).then().statusCode(204);
        Thread.sleep(3_000);
        String user = KeycloakOwners.admin().user(userId).orElseThrow();
        assertTrue(user.contains("\"tenant_id\":[\"" + first + "\"]"), user);
    }

    @Test
    void anotherOwnerEmailMovesTheOwner() {
        String before = uniqueName("before") + "@example.com";
        String after = uniqueName("after") + "@example.com";
        String tenantId = createTenant(before);
        awaitOwnerStatus(tenantId, "provisioned");
        String oldUser = KeycloakOwners.admin().userIdByEmail(before).orElseThrow();
        asAdmin()
                .body(Map.of("ownerEmail", after))
                .patch("/admin/v1/tenants/" + tenantId)
                .then()
                .statusCode(200)
                .body("owner.email", equalTo(after));
        awaitOwnerStatus(tenantId, "provisioned");
        await().atMost(WITHIN).until(() -> KeycloakOwners.admin().user(oldUser).isEmpty());
        assertTrue(KeycloakOwners.admin().userIdByEmail(after).isPresent());
    }

    @Test
    void badOwnerEmailStoresNothing() {
        String name = uniqueName("bad-owner");
        problem(
                asAdmin()
                        .body(Map.of("name", name, "plan", "free", "ownerEmail", "not an e-mail"))
                        .post("/admin/v1/tenants")
                        .then(),
                422,
                "unprocessable");
        problem(
                asAdmin()
                        .body("{\"name\":\"" + name + "\",\"plan\":\"free\",\"ownerEmail\":{\"address\":\"a@b.c\"}}")
                        .post("/admin/v1/tenants")
                        .then(),
                400,
                "invalid-request");
        assertFalse(allOf(Tokens.admin(), "/admin/v1/tenants", "name").contains(name));
    }
}
