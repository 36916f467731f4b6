package io.aiaas.gateway.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aiaas.gateway.predict.PredictionPath.Call;
import java.util.List;
import org.junit.jupiter.api.Test;

class PredictionPathTest {

    private static PredictionPath parse(String path) {
        return PredictionPath.parse(path).orElseThrow(() -> new AssertionError("not a call: " + path));
    }

    @Test
    void openInferenceProtocolPaths() {
        assertEquals(Call.SERVER_METADATA, parse("/v2").call());
        assertEquals(Call.LIVE, parse("/v2/health/live").call());
        assertEquals(Call.READY, parse("/v2/health/ready").call());
        assertEquals(new PredictionPath(Call.MODEL_METADATA, "m", null, null), parse("/v2/models/m"));
        assertEquals(new PredictionPath(Call.MODEL_METADATA, "m", "3", null), parse("/v2/models/m/versions/3"));
        assertEquals(new PredictionPath(Call.MODEL_READY, "m", "3", null), parse("/v2/models/m/versions/3/ready"));
        assertEquals(new PredictionPath(Call.INFER, "m", null, null), parse("/v2/models/m/infer"));
        assertEquals(new PredictionPath(Call.INFER, "m", "12", null), parse("/v2/models/m/versions/12/infer"));
        assertEquals("POST", parse("/v2/models/m/infer").call().method());
        assertEquals("GET", parse("/v2/models/m/ready").call().method());
    }

    @Test
    void tfServingPaths() {
        assertEquals(new PredictionPath(Call.TF_STATUS, "m", null, null), parse("/tfserving/v1/models/m"));
        assertEquals(new PredictionPath(Call.TF_STATUS, "m", "2", null), parse("/tfserving/v1/models/m/versions/2"));
        assertEquals(
                new PredictionPath(Call.TF_METADATA, "m", null, "prod"),
                parse("/tfserving/v1/models/m/labels/prod/metadata"));
        assertEquals(new PredictionPath(Call.TF_PREDICT, "m", null, null), parse("/tfserving/v1/models/m:predict"));
        assertEquals(
                new PredictionPath(Call.TF_PREDICT, "m", "2", null),
                parse("/tfserving/v1/models/m/versions/2:predict"));
        assertEquals(
                new PredictionPath(Call.TF_PREDICT, "m", null, "canary"),
                parse("/tfserving/v1/models/m/labels/canary:predict"));
    }

    @Test
    void anythingElseIsNoCall() {
        for (String path : List.of(
                "/v2/",
                "/v2/health",
                "/v2/models",
                "/v2/models/",
                "/v2/models/m/",
                "/v2/models/m/explain",
                "/v2/models/m/versions",
                "/v2/models/m/versions//infer",
                "/v2/models/m/versions/1/infer/x",
                "/v2x",
                "/tfserving/v1/models/m:classify",
                "/tfserving/v1/models/m:regress",
                "/tfserving/v1/models/m/metadata:predict",
                "/tfserving/v1/models/m/versions/:predict",
                "/tfserving/v1/models/m/labels",
                "/tfserving/v2/models/m",
                "/tfserving/v1/models/")) {
            assertTrue(PredictionPath.parse(path).isEmpty(), path);
        }
    }

    @Test
    void versionsAreInTheirPositiveIntegerRangeOrNoneOfOurs() {
        assertEquals(7, parse("/v2/models/m/versions/7").versionNumber());
        assertEquals(2_147_483_647, parse("/v2/models/m/versions/2147483647").versionNumber());
        for (String v : List.of("0", "-1", "+1", "1.0", "latest", "2147483648", "99999999999")) {
            assertEquals(-1, parse("/v2/models/m/versions/" + v).versionNumber(), v);
        }
        assertEquals(-1, parse("/v2/models/m").versionNumber());
    }

    @Test
    void modelNamesFollowThePlatformsRule() {
        assertTrue(parse("/v2/models/mnist-2").modelNameValid());
        assertFalse(parse("/v2/models/MNIST").modelNameValid());
        assertFalse(parse("/v2/models/-a").modelNameValid());
        assertFalse(parse("/v2/models/a%2Fb").modelNameValid());
        assertFalse(parse("/v2/models/" + "a".repeat(64)).modelNameValid());
    }
}
