package io.aiaas.gateway.api;

import static io.aiaas.gateway.support.Problems.problem;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import io.aiaas.gateway.support.StandIns;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.HttpException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.junit.jupiter.api.Test;

/** Failures raised on the Vert.x router itself — by Quarkus, Vert.x Web or a handler — answered as problem+json. */
@QuarkusTest
@QuarkusTestResource(StandIns.class)
class RouterFailuresTest {

    /** Routes that fail the way Vert.x Web and Quarkus' own handlers do. */
    @ApplicationScoped
    public static class FailingRoutes {
        void install(@Observes Router router) {
            router.get("/test-router/too-large").handler(rc -> rc.fail(413)); // as Quarkus' body handler does
            router.get("/test-router/unreadable").handler(rc -> rc.fail(new HttpException(400, "bad query")));
            router.get("/test-router/broken").handler(rc -> {
                throw new IllegalStateException("java.lang.IllegalStateException at com.example.Secret");
            });
        }
    }

    @Test
    void routerFailuresAreProblems() {
        problem(given().get("/test-router/too-large").then(), 413, "payload-too-large");
        problem(given().get("/test-router/unreadable").then(), 400, "invalid-request")
                .body("detail", equalTo("The request could not be read."));
        problem(given().get("/test-router/broken").then(), 500, "internal")
                .body(not(containsString("IllegalStateException")))
                .body(not(containsString("com.example")));
    }
}
