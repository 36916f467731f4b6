package io.aiaas.gateway.proxy;

import java.io.InputStream;
import java.util.Map;

/**
 * A public request as the gateway passes it on.
 *
 * @param method the HTTP method
 * @param rawPath the path exactly as the client sent it (checked by {@link PublicPath})
 * @param rawQuery the query exactly as sent, or null
 * @param headers the headers that travel on (never credentials)
 * @param body the request body, streamed; null when there is none
 * @param contentLength the body's length when the client declared it, else -1
 */
public record ForwardedRequest(
        String method,
        String rawPath,
        String rawQuery,
        Map<String, String> headers,
        InputStream body,
        long contentLength) {}
