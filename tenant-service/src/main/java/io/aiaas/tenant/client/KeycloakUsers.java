package io.aiaas.tenant.client;

import io.aiaas.tenant.config.TenantConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.jboss.resteasy.reactive.client.api.QuarkusRestClientProperties;
import org.keycloak.OAuth2Constants;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.admin.client.resource.UsersResource;
import org.keycloak.representations.idm.UserRepresentation;

/**
 * Keycloak's admin API as tenant-service uses it: the users of the realm, found by e-mail, created, given the attribute
 * {@value #TENANT_ID}, deleted. Keycloak's own Java client (keycloak-admin-client, run on the Quarkus REST client by
 * quarkus-keycloak-admin-rest-client) makes the calls and keeps the service account's token (client credentials of the
 * platform client); the instance is built here rather than injected, so that the service keeps its own keys
 * ({@code aiaas.tenant.keycloak.*}, the secret from a file) and nothing connects before the first call. Calls block
 * (with a timeout): they run on the owner work's thread, never on a request's. Every failure is a {@link Unavailable}
 * (try again later) or a {@link Refused} (an answer that will not change); neither message carries a token or the
 * secret.
 */
@ApplicationScoped
public class KeycloakUsers {
    /** The user attribute, mapped into access tokens as the claim of the same name. */
    public static final String TENANT_ID = "tenant_id";

    /** Keycloak could not be asked, or answered with a server error: try again later. */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String message) {
            super(message, null, false, false);
        }
    }

    /** Keycloak refused the call for a reason that will not go away by asking again. */
    public static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** A user of the realm: its id, e-mail and tenant attribute (null when it has none). */
    public record User(String id, String email, String tenantId, UserRepresentation representation) {}

    private final String realm;
    private final Optional<Keycloak> keycloak;

    @Inject
    public KeycloakUsers(TenantConfig config) {
        this(
                config.keycloak().realmUrl(),
                config.keycloak().clientId(),
                secret(config.keycloak()),
                config.keycloak().timeout());
    }

    KeycloakUsers(String realmUrl, String clientId, Optional<String> secret, Duration timeout) {
        String url = realmUrl.endsWith("/") ? realmUrl.substring(0, realmUrl.length() - 1) : realmUrl;
        int realms = url.lastIndexOf("/realms/");
        if (realms < 0) {
            throw new IllegalArgumentException("aiaas.tenant.keycloak.realm-url must end in /realms/<realm>");
        }
        this.realm = url.substring(realms + "/realms/".length());
        this.keycloak = secret.map(s -> KeycloakBuilder.builder()
                .serverUrl(url.substring(0, realms))
                .realm(realm)
                .grantType(OAuth2Constants.CLIENT_CREDENTIALS)
                .clientId(clientId)
                .clientSecret(s)
                .resteasyClient(client(timeout))
                .build());
    }

    /**
     * The extension's client (its JSON mapping, the platform's TLS settings) with the timeout. The REST client's read
     * timeout becomes each request's timeout, which bounds both the wait for a connection and each wait for an answer
     * (the client's own connect timeout is fixed when it is built, 15 s). Without it, a Keycloak that accepts but never
     * answers would hold the owner work.
     */
    private static Client client(Duration timeout) {
        Client client = Keycloak.getClientProvider().newRestEasyClient(null, null, false);
        client.property(QuarkusRestClientProperties.READ_TIMEOUT, timeout.toMillis());
        return client;
    }

    private static Optional<String> secret(TenantConfig.Keycloak config) {
        return config.clientSecret().filter(s -> !s.isBlank()).or(() -> config.clientSecretFile()
                .map(file -> {
                    try {
                        return Files.readString(file, StandardCharsets.UTF_8).trim();
                    } catch (IOException e) {
                        throw new UncheckedIOException(
                                "cannot read aiaas.tenant.keycloak.client-secret-file " + file, e);
                    }
                }));
    }

    @PreDestroy
    void close() {
        keycloak.ifPresent(Keycloak::close);
    }

    /** Whether a client secret is configured at all (without one, nothing here can work). */
    public boolean configured() {
        return keycloak.isPresent();
    }

    /** The user with exactly this e-mail, if any. */
    public Optional<User> findByEmail(String email) {
        // exact=true: Keycloak searches by substring otherwise; the full representation carries the attributes; an
        // e-mail names one user, ten leave room for the check below
        List<UserRepresentation> found =
                call("user search", users -> users.search(null, null, null, email, 0, 10, null, false, true));
        return found.stream()
                .filter(user -> email.equalsIgnoreCase(user.getEmail()))
                .findFirst()
                .map(KeycloakUsers::user);
    }

    /** The user with this id, if it exists. */
    public Optional<User> findById(String id) {
        return call("user read", users -> {
            try {
                return Optional.of(user(users.get(id).toRepresentation()));
            } catch (WebApplicationException e) {
                if (e.getResponse().getStatus() == 404) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    /**
     * Creates an enabled user named by its e-mail, who must choose a password at first login, with the attribute
     * {@value #TENANT_ID}; returns its id, or empty when a user with this name or e-mail exists already.
     */
    public Optional<String> create(String email, String tenantId) {
        UserRepresentation user = new UserRepresentation();
        user.setUsername(email);
        user.setEmail(email);
        user.setEnabled(true);
        user.setEmailVerified(false);
        user.setRequiredActions(List.of("UPDATE_PASSWORD"));
        user.setAttributes(Map.of(TENANT_ID, List.of(tenantId)));
        return call("user creation", users -> {
            try (Response response = users.create(user)) {
                if (response.getStatus() == 409) {
                    return Optional.empty();
                }
                expect(response, 201);
                URI location = response.getLocation();
                String path = location == null ? "" : location.getPath();
                String id = path.substring(path.lastIndexOf('/') + 1);
                if (id.isEmpty()) {
                    throw new Unavailable("Keycloak created a user but named no id");
                }
                return Optional.of(id);
            }
        });
    }

    /** Gives an existing user the attribute {@value #TENANT_ID}, keeping everything else it has. */
    public void assignTenant(User user, String tenantId) {
        UserRepresentation representation = user.representation();
        Map<String, List<String>> attributes = representation.getAttributes() == null
                ? new HashMap<>()
                : new HashMap<>(representation.getAttributes());
        attributes.put(TENANT_ID, List.of(tenantId));
        representation.setAttributes(attributes);
        call("user update", users -> {
            users.get(user.id()).update(representation);
            return null;
        });
    }

    /** Deletes the user; one that is gone already counts as deleted. */
    public void delete(String id) {
        call("user deletion", users -> {
            try (Response response = users.delete(id)) {
                if (response.getStatus() != 404) {
                    expect(response, 204);
                }
                return null;
            }
        });
    }

    private static User user(UserRepresentation representation) {
        List<String> tenant = representation.getAttributes() == null
                ? null
                : representation.getAttributes().get(TENANT_ID);
        String tenantId = tenant == null || tenant.isEmpty() ? null : tenant.get(0);
        return new User(representation.getId(), representation.getEmail(), tenantId, representation);
    }

    /** One call of the realm's users; a 401 (a token Keycloak no longer takes) gets one new token and one more try. */
    private <T> T call(String what, Function<UsersResource, T> action) {
        Keycloak client = keycloak.orElseThrow(() -> new Unavailable("no client secret is configured"));
        try {
            try {
                return action.apply(client.realm(realm).users());
            } catch (WebApplicationException e) {
                if (e.getResponse().getStatus() != 401) {
                    throw e;
                }
                client.tokenManager().grantToken();
                return action.apply(client.realm(realm).users());
            }
        } catch (Unavailable | Refused e) {
            throw e;
        } catch (RuntimeException e) {
            throw failure(what, e);
        }
    }

    /** A status other than the expected one, thrown as the client would, to be mapped in {@link #call}. */
    private static void expect(Response response, int status) {
        if (response.getStatus() != status) {
            throw new WebApplicationException(response);
        }
    }

    /**
     * What a failure of the client means here. An answer of Keycloak (a {@link WebApplicationException}, also when the
     * service account's login failed) is mapped by its status; anything else (no connection, a timeout, a broken
     * answer) means Keycloak could not be asked.
     */
    private static RuntimeException failure(String what, RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof WebApplicationException answer) {
                int status = answer.getResponse().getStatus();
                String message = "Keycloak answered the " + what + " with HTTP " + status;
                // 401: a wrong secret; 403: a missing role of the service account. Both are the operator's to fix,
                // and the work resumes then.
                if (status >= 500 || status == 401 || status == 403 || status == 429) {
                    return new Unavailable(message);
                }
                // 400 and 409 carry Keycloak's reason (a refused attribute, a taken name); never a credential.
                return new Refused(message + reason(answer.getResponse()));
            }
        }
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return new Unavailable("Keycloak cannot be reached for the " + what + ": "
                + cause.getClass().getSimpleName());
    }

    private static String reason(Response response) {
        try {
            String body = response.readEntity(String.class);
            String s = body == null ? "" : body.strip();
            return s.isEmpty() ? "" : ": " + (s.length() > 200 ? s.substring(0, 200) + "…" : s);
        } catch (RuntimeException e) {
            return ""; // read already, or not readable: the status says enough
        }
    }
}
