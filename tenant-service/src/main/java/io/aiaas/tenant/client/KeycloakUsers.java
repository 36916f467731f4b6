package io.aiaas.tenant.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aiaas.common.json.Json;
import io.aiaas.tenant.config.TenantConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;

/**
 * Keycloak's admin REST API as tenant-service uses it: the users of the realm, found by e-mail, created, given the
 * attribute {@value #TENANT_ID}, deleted. It signs in with the platform client's service account (client credentials)
 * and keeps the token until shortly before it expires. Calls block (with a timeout): they run on the owner work's
 * thread, never on a request's. Every failure is a {@link Unavailable} (try again later) or a {@link Refused} (an answer
 * that will not change); neither message carries a token or the secret.
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
    public record User(String id, String email, String tenantId, JsonNode representation) {}

    private final String tokenUrl;
    private final String usersUrl;
    private final String clientId;
    private final Optional<String> secret;
    private final Duration timeout;
    private final HttpClient http;
    private String token;
    private long tokenRenewAtNanos;

    @Inject
    public KeycloakUsers(TenantConfig config) {
        this(
                config.keycloak(),
                HttpClient.newBuilder()
                        .connectTimeout(config.keycloak().timeout())
                        .build());
    }

    KeycloakUsers(TenantConfig.Keycloak config, HttpClient http) {
        String realmUrl = stripSlash(config.realmUrl());
        int realms = realmUrl.lastIndexOf("/realms/");
        if (realms < 0) {
            throw new IllegalArgumentException("aiaas.tenant.keycloak.realm-url must end in /realms/<realm>");
        }
        this.tokenUrl = realmUrl + "/protocol/openid-connect/token";
        this.usersUrl = realmUrl.substring(0, realms) + "/admin" + realmUrl.substring(realms) + "/users";
        this.clientId = config.clientId();
        this.secret = config.clientSecret().filter(s -> !s.isBlank()).or(() -> config.clientSecretFile()
                .map(file -> {
                    try {
                        return Files.readString(file, StandardCharsets.UTF_8).trim();
                    } catch (IOException e) {
                        throw new UncheckedIOException(
                                "cannot read aiaas.tenant.keycloak.client-secret-file " + file, e);
                    }
                }));
        this.timeout = config.timeout();
        this.http = http;
    }

    /** Whether a client secret is configured at all (without one, nothing here can work). */
    public boolean configured() {
        return secret.isPresent();
    }

    /** The user with exactly this e-mail, if any. */
    public Optional<User> findByEmail(String email) {
        HttpResponse<String> response = send(
                request(usersUrl + "?exact=true&briefRepresentation=false&email=" + encode(email))
                        .GET(),
                "user search");
        expect(response, 200, "user search");
        for (JsonNode user : Json.read(response.body(), JsonNode.class)) {
            if (email.equalsIgnoreCase(user.path("email").asText())) {
                return Optional.of(user(user));
            }
        }
        return Optional.empty();
    }

    /** The user with this id, if it exists. */
    public Optional<User> findById(String id) {
        HttpResponse<String> response =
                send(request(usersUrl + "/" + encode(id)).GET(), "user read");
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        expect(response, 200, "user read");
        return Optional.of(user(Json.read(response.body(), JsonNode.class)));
    }

    /**
     * Creates an enabled user named by its e-mail, who must choose a password at first login, with the attribute
     * {@value #TENANT_ID}; returns its id, or empty when a user with this name or e-mail exists already.
     */
    public Optional<String> create(String email, String tenantId) {
        ObjectNode user = Json.mapper().createObjectNode();
        user.put("username", email);
        user.put("email", email);
        user.put("enabled", true);
        user.put("emailVerified", false);
        user.putArray("requiredActions").add("UPDATE_PASSWORD");
        user.putObject("attributes").putArray(TENANT_ID).add(tenantId);
        HttpResponse<String> response = send(
                request(usersUrl)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(Json.write(user))),
                "user creation");
        if (response.statusCode() == 409) {
            return Optional.empty();
        }
        expect(response, 201, "user creation");
        String location = response.headers().firstValue("Location").orElse("");
        String id = location.substring(location.lastIndexOf('/') + 1);
        if (id.isEmpty()) {
            throw new Unavailable("Keycloak created a user but named no id");
        }
        return Optional.of(id);
    }

    /** Gives an existing user the attribute {@value #TENANT_ID}, keeping everything else it has. */
    public void assignTenant(User user, String tenantId) {
        ObjectNode representation = user.representation().deepCopy();
        JsonNode attributes = representation.path("attributes");
        ObjectNode updated = attributes.isObject() ? (ObjectNode) attributes : representation.putObject("attributes");
        ArrayNode values = updated.putArray(TENANT_ID);
        values.add(tenantId);
        HttpResponse<String> response = send(
                request(usersUrl + "/" + encode(user.id()))
                        .header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(Json.write(representation))),
                "user update");
        expect(response, 204, "user update");
    }

    /** Deletes the user; one that is gone already counts as deleted. */
    public void delete(String id) {
        HttpResponse<String> response =
                send(request(usersUrl + "/" + encode(id)).DELETE(), "user deletion");
        if (response.statusCode() != 404) {
            expect(response, 204, "user deletion");
        }
    }

    private static User user(JsonNode node) {
        JsonNode tenant = node.path("attributes").path(TENANT_ID);
        String tenantId = tenant.isArray() && !tenant.isEmpty()
                ? tenant.get(0).asText()
                : (tenant.isTextual() ? tenant.asText() : null);
        return new User(node.path("id").asText(), node.path("email").asText(null), tenantId, node);
    }

    private HttpRequest.Builder request(String url) {
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(timeout)
                .header("Authorization", "Bearer " + token())
                .header("Accept", "application/json");
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String what) {
        HttpResponse<String> response = exchange(request.build(), what);
        if (response.statusCode() == 401) {
            // The token expired early or Keycloak restarted: one new token, one more try.
            forgetToken();
            response = exchange(
                    request.setHeader("Authorization", "Bearer " + token()).build(), what);
        }
        return response;
    }

    private HttpResponse<String> exchange(HttpRequest request, String what) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Unavailable("Keycloak cannot be reached for the " + what + ": "
                    + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted during the " + what);
        }
    }

    private static void expect(HttpResponse<String> response, int status, String what) {
        int actual = response.statusCode();
        if (actual == status) {
            return;
        }
        String message = "Keycloak answered the " + what + " with HTTP " + actual;
        if (actual >= 500 || actual == 401 || actual == 429) {
            throw new Unavailable(message);
        }
        // 400 and 403 carry Keycloak's reason (a refused attribute, a missing role); never a credential.
        throw new Refused(message + ": " + abbreviate(response.body()));
    }

    private synchronized String token() {
        if (token != null && System.nanoTime() - tokenRenewAtNanos < 0) {
            return token;
        }
        String form = "grant_type=client_credentials&client_id=" + encode(clientId) + "&client_secret="
                + encode(secret.orElseThrow(() -> new Unavailable("no client secret is configured")));
        HttpResponse<String> response = exchange(
                HttpRequest.newBuilder(URI.create(tokenUrl))
                        .timeout(timeout)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form))
                        .build(),
                "service account login");
        if (response.statusCode() != 200) {
            // Keycloak's error body names the error, never the secret; a wrong secret is a 401.
            String message = "the service account login was refused: HTTP " + response.statusCode() + " "
                    + abbreviate(response.body());
            // Unavailable even when refused: a wrong secret is the operator's to fix, and the work resumes then.
            throw new Unavailable(message);
        }
        JsonNode answer = Json.read(response.body(), JsonNode.class);
        long lifetimeSeconds = Math.max(10, answer.path("expires_in").asLong(60));
        token = answer.path("access_token").asText();
        tokenRenewAtNanos =
                System.nanoTime() + Duration.ofSeconds(lifetimeSeconds * 2 / 3).toNanos();
        return token;
    }

    private synchronized void forgetToken() {
        token = null;
    }

    private static String abbreviate(String body) {
        String s = body == null ? "" : body.strip();
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
