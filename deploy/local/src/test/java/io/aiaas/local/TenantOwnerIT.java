package io.aiaas.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.aiaas.common.id.Ids;
import io.aiaas.infra.testing.KeycloakAdmin;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A tenant's owner end to end (CONTRACT "Tenant people"), against the packaged platform and its real Keycloak: the
 * owner's user appears when the tenant is created with {@code ownerEmail}; once the operator has set its password, its
 * token works on {@code /v1} for its own tenant only, stops while the tenant is suspended and for good once it is
 * deleted, and the user goes with the tenant.
 */
@ExtendWith(SharedPlatform.class)
class TenantOwnerIT {
    private static final Duration WITHIN = Duration.ofSeconds(30);

    @Test
    void ownerLogsInActsOnItsTenantAndGoesWithIt() throws Exception {
        PlatformClient api = SharedPlatform.api();
        String admin = SharedPlatform.adminToken();
        PlatformRuntime platform = SharedPlatform.platform();
        KeycloakAdmin keycloak = new KeycloakAdmin(
                platform.oidcUrl(),
                PlatformRuntime.secret(platform.stateDir().resolve("secrets"), PlatformRuntime.PLATFORM_CLIENT_SECRET));

        String suffix = Ids.randomBase62(8).toLowerCase(Locale.ROOT);
        String email = "owner-" + suffix + "@example.com";

        // Bad input first: nothing is stored.
        var refused = api.postJson(
                "/admin/v1/tenants", admin, Map.of("name", "bad-" + suffix, "plan", "free", "ownerEmail", "nope"));
        assertEquals(422, refused.status(), refused::toString);
        assertTrue(
                api.get("/admin/v1/tenants?limit=100", admin).body().indexOf("bad-" + suffix) < 0,
                "no tenant was stored");

        var created = api.postJson(
                "/admin/v1/tenants", admin, Map.of("name", "owned-" + suffix, "plan", "standard", "ownerEmail", email));
        assertEquals(201, created.status(), created::toString);
        String tenantId = created.json().path("id").asText();
        String userId = eventually(() -> {
            var tenant = api.get("/admin/v1/tenants/" + tenantId, admin);
            return "provisioned"
                            .equals(tenant.json().path("owner").path("status").asText())
                    ? keycloak.userIdByEmail(email)
                    : Optional.<String>empty();
        });
        // As the operator: a password, and no required action left, so the password grant works.
        keycloak.activate(userId, "pw-" + suffix);
        String token = PlatformClient.passwordGrant(platform.oidcUrl(), email, "pw-" + suffix);

        var model = api.postJson("/v1/models", token, Map.of("name", "owned-model"));
        assertEquals(201, model.status(), model::toString);
        var read = api.get("/v1/models/owned-model", token);
        assertEquals(200, read.status(), read::toString);
        assertEquals("owned-model", read.json().path("name").asText());

        // Another tenant's model is not found.
        ItSupport.Tenant other = ItSupport.newTenant(api, admin, "other");
        assertEquals(
                201,
                api.postJson("/v1/models", other.key(), Map.of("name", "theirs"))
                        .status());
        assertEquals(404, api.get("/v1/models/theirs", token).status());

        // A Keycloak user without tenant_id: 403.
        String noRole = PlatformClient.passwordGrant(platform.oidcUrl(), "no-role", "no-role");
        var noTenant = api.get("/v1/models", noRole);
        assertEquals(403, noTenant.status(), noTenant::toString);
        assertTrue(noTenant.body().contains("tenant_id"), noTenant::toString);

        // Suspended: 403 within a second or so; resumed: works again.
        assertEquals(
                200,
                api.postJson("/admin/v1/tenants/" + tenantId + "/suspend", admin, Map.of())
                        .status());
        eventually(() -> {
            var r = api.get("/v1/models/owned-model", token);
            return r.status() == 403 && r.body().contains("tenant-suspended") ? Optional.of(r) : Optional.empty();
        });
        assertEquals(
                200,
                api.postJson("/admin/v1/tenants/" + tenantId + "/resume", admin, Map.of())
                        .status());
        eventually(() -> api.get("/v1/models/owned-model", token).status() == 200
                ? Optional.of(true)
                : Optional.<Boolean>empty());

        // Deleted: 401 within a few seconds, and the user is gone.
        assertEquals(204, api.delete("/admin/v1/tenants/" + tenantId, admin).status());
        long deletedAt = System.nanoTime();
        eventually(() -> api.get("/v1/models", token).status() == 401 ? Optional.of(true) : Optional.empty());
        Duration took = Duration.ofNanos(System.nanoTime() - deletedAt);
        assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "the owner's token stopped after " + took);
        eventually(() -> keycloak.user(userId).isEmpty() ? Optional.of(true) : Optional.empty());
    }

    /** The first present answer of {@code probe}, asked every 100 ms for {@link #WITHIN}. */
    private static <T> T eventually(Callable<Optional<T>> probe) throws Exception {
        long deadline = System.nanoTime() + WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<T> answer = probe.call();
            if (answer.isPresent()) {
                return answer.get();
            }
            Thread.sleep(100);
        }
        return fail("not within " + WITHIN);
    }
}
