package io.aiaas.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.infra.testing.InfraTestResource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One Keycloak for the module's tests, through the same entry point Quarkus tests use. */
class KeycloakServerTest {

    @Test
    void issuesTokensWithThePlatformAdminRoleOnlyToAdmin() throws Exception {
        InfraTestResource resource = new InfraTestResource();
        resource.init(Map.of(InfraTestResource.KEYCLOAK, "true"));
        Map<String, String> config = resource.start();
        KeycloakServer kc = InfraTestResource.keycloak();
        assertEquals("http://localhost:" + kc.port() + "/realms/aiaas", kc.realmUrl());
        assertEquals(kc.realmUrl(), config.get("quarkus.oidc.auth-server-url"));

        String admin = payload(kc.passwordGrant("admin", InfraTestResource.ADMIN_PASSWORD));
        assertTrue(admin.contains("\"preferred_username\":\"admin\""), admin);
        assertTrue(admin.contains("\"iss\":\"" + kc.realmUrl() + "\""), admin);
        assertTrue(realmRoles(admin).contains("\"platform-admin\""), admin);

        String viaLoopbackAddress = payload(kc.passwordGrant("admin", InfraTestResource.ADMIN_PASSWORD, "127.0.0.1"));
        assertTrue(
                viaLoopbackAddress.contains("\"iss\":\"" + kc.realmUrl() + "\""),
                "the issuer does not follow the host name the token was requested through: " + viaLoopbackAddress);

        String noRole = payload(kc.passwordGrant("no-role", "no-role"));
        assertTrue(noRole.contains("\"preferred_username\":\"no-role\""), noRole);
        assertFalse(realmRoles(noRole).contains("platform-admin"), noRole);

        IllegalStateException wrong = assertThrows(IllegalStateException.class, () -> kc.passwordGrant("admin", "x"));
        assertTrue(wrong.getMessage().contains("401"), wrong.getMessage());
        assertSame(kc, InfraTestResource.keycloak());

        HttpResponse<String> service = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(kc.realmUrl() + "/protocol/openid-connect/token"))
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials"
                                        + "&client_id=aiaas-platform&client_secret="
                                        + InfraTestResource.PLATFORM_CLIENT_SECRET))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, service.statusCode(), "the platform's service account gets a token with its secret");
        assertTrue(service.body().contains("\"access_token\""));
    }

    private static void assertSame(Object a, Object b) {
        org.junit.jupiter.api.Assertions.assertSame(a, b, "one Keycloak per JVM");
    }

    private static String payload(String jwt) {
        String[] parts = jwt.split("\\.");
        assertEquals(3, parts.length, "a signed JWT");
        return new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    }

    /** The {@code realm_access} object of the payload, or "" when the token has none. */
    private static String realmRoles(String payload) {
        int at = payload.indexOf("\"realm_access\"");
        return at < 0 ? "" : payload.substring(at, payload.indexOf('}', at) + 1);
    }
}
