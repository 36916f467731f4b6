package io.aiaas.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.aiaas.common.error.ApiException;
import io.aiaas.common.error.ProblemType;
import org.junit.jupiter.api.Test;

class PublicPathTest {

    @Test
    void ordinaryPathsPass() {
        assertEquals("/v1/models/iris", PublicPath.check("/v1/models/iris"));
        assertEquals("/v1/models/my%20model", PublicPath.check("/v1/models/my%20model"));
        assertEquals("/tfserving/v1/models/m:predict", PublicPath.check("/tfserving/v1/models/m:predict"));
        assertEquals("/v1/models/a.b/versions/", PublicPath.check("/v1/models/a.b/versions/"));
    }

    @Test
    void ambiguousPathsAreRefused() {
        for (String path : new String[] {
            "/v1/models/../api-keys",
            "/v1/models/./x",
            "/v1/models/%2e%2e/api-keys",
            "/v1/models/%2E./api-keys",
            "/v1/models/a%2Fb",
            "/v1/models/a%5cb",
            "/v1/models//x",
            "/v1/models/a\\b",
            "v1/models"
        }) {
            ApiException e = assertThrows(ApiException.class, () -> PublicPath.check(path), path);
            assertEquals(ProblemType.INVALID_REQUEST, e.type());
        }
    }
}
