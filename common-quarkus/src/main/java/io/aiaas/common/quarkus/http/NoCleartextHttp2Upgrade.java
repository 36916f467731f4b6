package io.aiaas.common.quarkus.http;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Turns off HTTP/2 over clear text ({@code Upgrade: h2c}, and prior knowledge) on the plain HTTP port. During an h2c
 * upgrade Vert.x hands the request's HTTP/1.1 body to the HTTP/2 stream as it arrives, without flow control, so a
 * streamed body that its handler reads slower than the client sends (a dataset upload proxied on, a model archive)
 * piles up in the heap (a 200 MB dataset upload from Java's default {@code HttpClient}, which asks for h2c, lost its
 * connection through a gateway of 96 MiB heap). Such clients go on in HTTP/1.1, whose bodies are read with
 * back-pressure. HTTP/2 over TLS (ALPN) is unaffected.
 */
@ApplicationScoped
public class NoCleartextHttp2Upgrade implements HttpServerOptionsCustomizer {

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        options.setHttp2ClearTextEnabled(false);
    }
}
