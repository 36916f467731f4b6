package io.aiaas.gateway.proxy;

import io.aiaas.common.error.ApiException;
import java.util.Locale;

/**
 * Checks a raw request path before it is routed and forwarded unchanged. A path that a service could read
 * differently from the gateway ({@code /v1/models/../api-keys}, encoded slashes) would let a key reach an endpoint
 * whose scope it lacks, so such paths are refused outright.
 */
public final class PublicPath {
    private PublicPath() {}

    public static String check(String rawPath) {
        if (rawPath == null || !rawPath.startsWith("/")) {
            throw ApiException.badRequest("The request path is malformed.");
        }
        String lower = rawPath.toLowerCase(Locale.ROOT);
        if (lower.contains("%2f") || lower.contains("%5c") || lower.contains("\\") || lower.contains("//")) {
            throw ApiException.badRequest("The request path is malformed.");
        }
        for (String segment : lower.split("/", -1)) {
            String decoded = segment.replace("%2e", ".");
            if (decoded.equals(".") || decoded.equals("..")) {
                throw ApiException.badRequest("The request path is malformed.");
            }
        }
        return rawPath;
    }
}
