package io.aiaas.tenant.client;

import static io.aiaas.tenant.testing.Api.uniqueName;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.tenant.testing.KeycloakOwners;
import io.quarkus.test.junit.QuarkusTest;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The answers of a real Keycloak (and of one that never answers) as {@link KeycloakUsers} hands them to the owner work:
 * results, {@link KeycloakUsers.Refused} for what will not change, {@link KeycloakUsers.Unavailable} for the rest.
 * Runs in the application (the admin client needs the Quarkus REST client); the instances are made here.
 */
@QuarkusTest
class KeycloakUsersTest {
    private static KeycloakUsers users(String realmUrl, String secret, Duration timeout) {
        return new KeycloakUsers(realmUrl, "aiaas-platform", Optional.of(secret), timeout);
    }

    private static KeycloakUsers realKeycloak() {
        return users(
                InfraTestResource.keycloak().realmUrl(),
                InfraTestResource.PLATFORM_CLIENT_SECRET,
                Duration.ofSeconds(5));
    }

    @Test
    void usersAreCreatedFoundExactlyAndDeleted() {
        KeycloakUsers users = realKeycloak();
        String email = uniqueName("kc-user") + "@example.com";
        String tenantId = UUID.randomUUID().toString();

        String id = users.create(email, tenantId).orElseThrow();
        assertEquals(Optional.empty(), users.create(email, tenantId), "a taken name is no new user");

        KeycloakUsers.User found = users.findByEmail(email).orElseThrow();
        assertEquals(id, found.id());
        assertEquals(tenantId, found.tenantId());
        assertEquals(id, users.findById(id).orElseThrow().id());
        assertTrue(users.findByEmail(email.substring(1)).isEmpty(), "a part of an e-mail finds no one");
        assertTrue(KeycloakOwners.admin().user(id).orElseThrow().contains("UPDATE_PASSWORD"));

        users.delete(id);
        assertTrue(users.findById(id).isEmpty());
        assertTrue(users.findByEmail(email).isEmpty());
        users.delete(id); // gone already: deleted
    }

    @Test
    void attributeIsGivenToAUserWithout() {
        KeycloakUsers users = realKeycloak();
        String name = uniqueName("kc-plain");
        String id = KeycloakOwners.admin().createUser(name, "pw-" + name, null);
        KeycloakUsers.User user = users.findByEmail(name + "@aiaas.test").orElseThrow();
        assertEquals(null, user.tenantId());

        users.assignTenant(user, "t-1");
        assertEquals("t-1", users.findById(id).orElseThrow().tenantId());
        String stored = KeycloakOwners.admin().user(id).orElseThrow();
        assertTrue(stored.contains("\"firstName\":\"Test\""), "the rest of the user is kept: " + stored);
        users.delete(id);
    }

    @Test
    void anInvalidUserIsRefused() {
        KeycloakUsers.Refused refused =
                assertThrows(KeycloakUsers.Refused.class, () -> realKeycloak().create("not an e-mail", "t-1"));
        assertTrue(refused.getMessage().contains("HTTP 400"), refused.getMessage());
    }

    @Test
    void aWrongSecretIsUnavailableAndNotRepeated() {
        KeycloakUsers users =
                users(InfraTestResource.keycloak().realmUrl(), "wrong-secret-value", Duration.ofSeconds(5));
        KeycloakUsers.Unavailable unavailable =
                assertThrows(KeycloakUsers.Unavailable.class, () -> users.findByEmail("a@example.com"));
        assertTrue(unavailable.getMessage().contains("HTTP 401"), unavailable.getMessage());
        assertFalse(unavailable.getMessage().contains("wrong-secret-value"), unavailable.getMessage());
    }

    @Test
    void aKeycloakThatNeverAnswersIsUnavailableAfterTheTimeout() throws Exception {
        // The socket's backlog takes the connection; nothing ever reads or answers.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            KeycloakUsers users = users(
                    "http://127.0.0.1:" + silent.getLocalPort() + "/realms/aiaas", "irrelevant", Duration.ofSeconds(1));
            // without a timeout the call would wait for ever: fail instead of hanging the build
            assertTimeoutPreemptively(
                    Duration.ofSeconds(4),
                    () -> assertThrows(KeycloakUsers.Unavailable.class, () -> users.findByEmail("a@example.com")));
        }
    }

    @Test
    void withoutASecretNothingIsCalled() {
        KeycloakUsers users = new KeycloakUsers(
                "http://127.0.0.1:9/realms/aiaas", "aiaas-platform", Optional.empty(), Duration.ofSeconds(1));
        assertFalse(users.configured());
        assertThrows(KeycloakUsers.Unavailable.class, () -> users.findById("x"));
    }
}
