package io.aiaas.gateway.support;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import io.restassured.response.ValidatableResponse;

/** What every error of the gateway looks like: problem+json with a request id, in the body and the header. */
public final class Problems {
    private Problems() {}

    public static ValidatableResponse problem(ValidatableResponse response, int status, String slug) {
        return response.statusCode(status)
                .contentType("application/problem+json")
                .header("X-Request-Id", notNullValue())
                .body("type", equalTo("/problems/" + slug))
                .body("status", equalTo(status))
                .body("requestId", notNullValue())
                .body("instance", notNullValue());
    }
}
