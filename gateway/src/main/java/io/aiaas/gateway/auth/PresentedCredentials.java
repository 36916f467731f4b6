package io.aiaas.gateway.auth;

import io.aiaas.common.auth.ApiKeys;
import io.vertx.core.MultiMap;

/**
 * The credentials a request carries: a bearer value from {@code Authorization} and an {@code X-API-Key}. Neither is
 * ever logged nor forwarded.
 */
public record PresentedCredentials(String bearer, String apiKeyHeader) {
    public static final String API_KEY_HEADER = "X-API-Key";
    private static final String BEARER = "Bearer ";

    public static PresentedCredentials of(MultiMap headers) {
        return of(headers.get("Authorization"), headers.get(API_KEY_HEADER));
    }

    public static PresentedCredentials of(String authorization, String apiKeyHeader) {
        String bearer = null;
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            bearer = blankToNull(authorization.substring(BEARER.length()).trim());
        } else if (authorization != null && !authorization.isBlank()) {
            bearer = ""; // another scheme: present but unusable
        }
        return new PresentedCredentials(bearer, blankToNull(apiKeyHeader == null ? null : apiKeyHeader.trim()));
    }

    public boolean none() {
        return bearer == null && apiKeyHeader == null;
    }

    /** The API key a tenant call presents: the bearer value, else {@code X-API-Key}. */
    public String apiKey() {
        return bearer != null ? bearer : apiKeyHeader;
    }

    /** Whether anything here looks like an API key (which the admin API refuses before any token check). */
    public boolean looksLikeApiKey() {
        return apiKeyHeader != null || (bearer != null && bearer.startsWith(ApiKeys.PREFIX));
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    @Override
    public String toString() {
        return "PresentedCredentials[redacted]";
    }
}
