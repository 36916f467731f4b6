package io.aiaas.tenant.service;

import static io.aiaas.tenant.testing.Api.asAdmin;
import static io.aiaas.tenant.testing.Api.uniqueName;
import static org.hamcrest.Matchers.equalTo;

import io.aiaas.tenant.testing.KeycloakOwners;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Keycloak out of reach: tenants are still created and deleted; their owners wait, pending. */
@QuarkusTest
@TestProfile(KeycloakOwners.Down.class)
class TenantOwnerKeycloakDownTest {

    @Test
    void tenantIsCreatedAndItsOwnerWaits() throws Exception {
        String email = uniqueName("waiting") + "@example.com";
        String tenantId = asAdmin()
                .body(Map.of("name", uniqueName("kc-down"), "plan", "free", "ownerEmail", email))
                .post("/admin/v1/tenants")
                .then()
                .statusCode(201)
                .body("status", equalTo("active"))
                .body("owner.status", equalTo("pending"))
                .extract()
                .path("id");
        Thread.sleep(2_500); // a few attempts, each refused at once
        asAdmin()
                .get("/admin/v1/tenants/" + tenantId)
                .then()
                .statusCode(200)
                .body("ownerEmail", equalTo(email))
                .body("owner.status", equalTo("pending"));
        asAdmin().delete("/admin/v1/tenants/" + tenantId).then().statusCode(204);
    }
}
