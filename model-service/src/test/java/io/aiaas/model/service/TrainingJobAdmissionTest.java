package io.aiaas.model.service;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aiaas.common.events.ClaimAnswer;
import io.aiaas.common.events.JobType;
import io.aiaas.common.json.Json;
import io.aiaas.common.training.TrainingPlan;
import io.aiaas.common.training.TrainingPlan.Activation;
import io.aiaas.common.training.TrainingPlan.Conv2d;
import io.aiaas.common.training.TrainingPlan.Dense;
import io.aiaas.common.training.TrainingPlan.Flatten;
import io.aiaas.common.training.TrainingPlan.MaxPool2d;
import io.aiaas.common.training.TrainingPlan.Padding;
import io.aiaas.common.training.TrainingSpecs;
import io.aiaas.infra.testing.InfraTestResource;
import io.aiaas.model.support.InternalKeysTestResource;
import io.aiaas.model.support.JobEngineTestSupport;
import io.aiaas.model.support.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Training jobs at submission: a spec that can train on its dataset is queued with its plan, anything else is a 400 or
 * 422 naming the member and stores nothing, and a queued training job holds its dataset.
 */
@QuarkusTest
@QuarkusTestResource(
        value = InfraTestResource.class,
        initArgs = {@ResourceArg(name = "postgres", value = "true"), @ResourceArg(name = "kafka", value = "true")})
@QuarkusTestResource(InternalKeysTestResource.class)
class TrainingJobAdmissionTest extends JobEngineTestSupport {
    /** The contract's example network. */
    private static final String MNIST = "{'layers':[{'type':'dense','units':64,'activation':'relu'},"
            + "{'type':'dense','units':10,'activation':'softmax'}],'loss':'sparse_categorical_crossentropy',"
            + "'optimizer':{'type':'adam','learningRate':0.001},'epochs':5,'batchSize':32,'validationSplit':0.1,"
            + "'seed':42}";

    private static final String CNN = "{'inputShape':[28,28,1],'layers':[{'type':'conv2d','filters':8,"
            + "'kernelSize':3,'activation':'relu'},{'type':'max_pool2d','poolSize':2},{'type':'flatten'},"
            + "{'type':'dense','units':10,'activation':'softmax'}],'loss':'sparse_categorical_crossentropy'}";

    /** Four features into three classes; the bad specs change it. */
    private static final String SMALL = "{'layers':[{'type':'dense','units':8,'activation':'relu'},"
            + "{'type':'dropout','rate':0.2},{'type':'dense','units':3,'activation':'softmax'}],"
            + "'loss':'sparse_categorical_crossentropy'}";

    /** 784 pixel columns and a label from 0 to 9, as MNIST comes flattened. */
    private static String pixels(int rows) {
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < 784; i++) {
            csv.append('p').append(i).append(',');
        }
        csv.append("label\n");
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < 784; i++) {
                csv.append((r * 31 + i) % 7 == 0 ? "0.5" : "0").append(',');
            }
            csv.append(r % 10).append('\n');
        }
        return csv.toString();
    }

    private static final String FOUR_FEATURES =
            "a,b,c,d,label\n1,2,3,4,0\n5,6,7,8,1\n9,1,2,3,2\n4,5,6,7,0\n" + "8,9,1,2,1\n3,4,5,6,2\n";

    private static String dataset(String tenant, String csv) {
        return as(Tokens.tenant(tenant))
                .contentType("text/csv")
                .body(csv)
                .post("/v1/datasets?name=train&label=label")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    private static String body(String dataset, String model, String singleQuotedSpec) {
        return "{\"type\":\"training\",\"dataset\":\"" + dataset + "\",\"model\":\"" + model + "\",\"spec\":"
                + singleQuotedSpec.replace('\'', '"') + "}";
    }

    private static ValidatableResponse post(String tenant, String json) {
        return as(tenantToken(tenant, planWith(2)))
                .contentType("application/json")
                .body(json)
                .post("/v1/jobs")
                .then();
    }

    private JsonNode storedRequest(String job) throws IOException {
        return Json.mapper().readTree(queryString("SELECT CAST(request AS text) FROM job WHERE id = ?", job));
    }

    private static JsonNode json(String singleQuoted) throws IOException {
        return Json.mapper().readTree(singleQuoted.replace('\'', '"'));
    }

    @Test
    void theContractsNetworkAndASmallCnnAreQueuedWithTheirPlans() throws Exception {
        String tenant = newTenant();
        String mnist = dataset(tenant, pixels(20));

        String dense = post(tenant, body(mnist, "digits", MNIST))
                .statusCode(202)
                .header("Location", org.hamcrest.Matchers.startsWith("/v1/jobs/job_"))
                .body("type", equalTo("training"))
                .body("status", equalTo("queued"))
                .extract()
                .path("id");
        JsonNode request = storedRequest(dense);
        assertEquals("training", request.path("type").asText());
        assertEquals(mnist, request.path("datasetId").asText());
        assertEquals("digits", request.path("model").asText());
        assertFalse(request.has("modelId"), "the target model does not exist yet");
        assertFalse(request.has("version"), "a training job's version is decided when it ends");
        assertEquals(json(MNIST), request.at("/spec/submitted"));
        TrainingPlan plan = TrainingSpecs.planOf(request.path("spec"));
        assertEquals(List.of(784), plan.inputShape());
        assertEquals(List.of(new Dense(64, Activation.RELU), new Dense(10, Activation.SOFTMAX)), plan.layers());
        assertEquals(5, plan.epochs());
        assertEquals(0.1, plan.validationSplit());
        assertEquals(42, plan.seed());
        assertTrue(plan.seeded());
        assertEquals("training", queryString("SELECT type FROM job WHERE id = ?", dense));
        assertEquals(mnist, queryString("SELECT dataset_id FROM job WHERE id = ?", dense));
        as(Tokens.tenant(tenant))
                .get("/v1/jobs/" + dense)
                .then()
                .statusCode(200)
                .body("type", equalTo("training"))
                .body("model", equalTo("digits"));
        // the model is made by the job's result, not at submission
        as(Tokens.tenant(tenant)).get("/v1/models/digits").then().statusCode(404);

        String cnn = post(tenant, body(mnist, "digits-cnn", CNN))
                .statusCode(202)
                .extract()
                .path("id");
        TrainingPlan cnnPlan = TrainingSpecs.planOf(storedRequest(cnn).path("spec"));
        assertEquals(List.of(28, 28, 1), cnnPlan.inputShape());
        assertEquals(
                List.of(
                        new Conv2d(8, 3, 3, 1, 1, Padding.VALID, Activation.RELU),
                        new MaxPool2d(2, 2),
                        new Flatten(),
                        new Dense(10, Activation.SOFTMAX)),
                cnnPlan.layers());
        assertFalse(cnnPlan.seeded(), "no seed was given: one was drawn and stored for reruns");

        // the worker's claim carries the plan as stored
        ClaimAnswer claim = awaitClaim(tenant, cnn, "w-train");
        assertEquals(JobType.TRAINING, claim.job().type());
        assertEquals(mnist, claim.job().datasetId());
        assertEquals(cnnPlan, TrainingSpecs.planOf(claim.job().spec()));
    }

    @Test
    void anExistingTargetModelIsNamedByIdAndAReplayIsTheSameJob() throws Exception {
        String tenant = newTenant();
        String modelId = createModel(tenant, "scorer");
        String rows = dataset(tenant, FOUR_FEATURES);
        String json = body(rows, "scorer", SMALL);
        String first = as(tenantToken(tenant, planWith(0)))
                .contentType("application/json")
                .header("Idempotency-Key", "train-1")
                .body(json)
                .post("/v1/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        assertEquals(modelId, storedRequest(first).path("modelId").asText());
        long seed = TrainingSpecs.planOf(storedRequest(first).path("spec")).seed();
        String again = as(tenantToken(tenant, planWith(0)))
                .contentType("application/json")
                .header("Idempotency-Key", "train-1")
                .body(json)
                .post("/v1/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        assertEquals(first, again);
        assertEquals(
                seed, TrainingSpecs.planOf(storedRequest(first).path("spec")).seed());
        assertEquals(1, queryLong("SELECT count(*) FROM job WHERE tenant_id = ?", tenant));
    }

    @Test
    void aQueuedTrainingJobHoldsItsDataset() {
        String tenant = newTenant();
        String rows = dataset(tenant, FOUR_FEATURES);
        // no slot: the job stays queued
        String job = as(tenantToken(tenant, planWith(0)))
                .contentType("application/json")
                .body(body(rows, "held", SMALL))
                .post("/v1/jobs")
                .then()
                .statusCode(202)
                .extract()
                .path("id");
        as(Tokens.tenant(tenant))
                .delete("/v1/datasets/" + rows)
                .then()
                .statusCode(409)
                .contentType("application/problem+json")
                .body("detail", containsString("queued or running"));
        // its result will be a model version, not a batch output
        as(Tokens.tenant(tenant)).get("/v1/jobs/" + job + "/result").then().statusCode(404);
        as(Tokens.tenant(tenant)).post("/v1/jobs/" + job + "/cancel").then().statusCode(202);
        as(Tokens.tenant(tenant)).delete("/v1/datasets/" + rows).then().statusCode(204);
    }

    /** A request body, the status it must get, and what its detail must name. */
    private record Bad(String body, int status, String detail) {}

    private static String change(String spec, String from, String to) {
        if (!spec.contains(from)) {
            throw new IllegalArgumentException(from + " is not in " + spec);
        }
        return spec.replace(from, to);
    }

    private static String with(String member) {
        return SMALL.replaceFirst("}$", "," + member + "}");
    }

    @Test
    void trainingJobsThatCannotRunAreRefusedNamingTheMemberAndNothingIsStored() {
        String tenant = newTenant();
        String rows = dataset(tenant, FOUR_FEATURES);
        String images = dataset(tenant, pixels(3));
        String theirs = dataset(newTenant(), FOUR_FEATURES);
        String last = "{'type':'dense','units':3,'activation':'softmax'}";
        List<Bad> bad = List.of(
                // wrong JSON types and missing members: 400
                new Bad(body(rows, "m", "[1]"), 400, "spec must be an object"),
                new Bad(body(rows, "m", change(SMALL, "'units':8", "'units':'8'")), 400, "spec.layers[0].units"),
                new Bad(body(rows, "m", change(SMALL, "'units':8", "'units':8.5")), 400, "spec.layers[0].units"),
                new Bad(body(rows, "m", change(SMALL, "'rate':0.2", "'rate':'high'")), 400, "spec.layers[1].rate"),
                new Bad(body(rows, "m", with("'epochs':'5'")), 400, "spec.epochs"),
                new Bad(
                        body(rows, "m", with("'optimizer':{'type':'sgd','momentum':[0.9]}")),
                        400,
                        "spec.optimizer.momentum"),
                new Bad(body(rows, "m", "{'loss':'mean_squared_error'}"), 400, "spec.layers is required"),
                new Bad(body(rows, "m", change(SMALL, "'units':8,", "")), 400, "spec.layers[0].units is required"),
                new Bad(
                        body(rows, "m", change(SMALL, ",'loss':'sparse_categorical_crossentropy'", "")),
                        400,
                        "spec.loss is required"),
                new Bad("{\"type\":\"training\",\"dataset\":\"" + rows + "\",\"model\":\"m\"}", 400, "'spec'"),
                new Bad(
                        "{\"type\":\"training\",\"model\":\"m\",\"spec\":" + SMALL.replace('\'', '"') + "}",
                        400,
                        "'dataset'"),
                // unknown members and names: 422
                new Bad(body(rows, "m", with("'learning_rate':0.1")), 422, "spec.learning_rate"),
                new Bad(
                        body(rows, "m", change(SMALL, "'rate':0.2", "'rate':0.2,'units':4")),
                        422,
                        "spec.layers[1].units does not apply to a dropout layer"),
                new Bad(
                        body(rows, "m", with("'optimizer':{'type':'adam','beta_1':0.9}")),
                        422,
                        "spec.optimizer.beta_1"),
                new Bad(body(rows, "m", change(SMALL, "'dropout'", "'lstm'")), 422, "spec.layers[1].type 'lstm'"),
                new Bad(body(rows, "m", change(SMALL, "'relu'", "'gelu'")), 422, "spec.layers[0].activation 'gelu'"),
                new Bad(
                        body(rows, "m", change(SMALL, "sparse_categorical_crossentropy", "hinge")),
                        422,
                        "spec.loss 'hinge'"),
                new Bad(body(rows, "m", with("'optimizer':{'type':'adagrad'}")), 422, "spec.optimizer.type 'adagrad'"),
                // values out of range: 422
                new Bad(
                        body(rows, "m", "{'layers':[],'loss':'mean_squared_error'}"),
                        422,
                        "spec.layers must hold at least one layer"),
                new Bad(
                        body(rows, "m", change(SMALL, "'units':8", "'units':0")),
                        422,
                        "spec.layers[0].units must be an integer from 1 to 65536"),
                new Bad(body(rows, "m", change(SMALL, "'units':8", "'units':70000")), 422, "spec.layers[0].units"),
                new Bad(
                        body(rows, "m", change(SMALL, "'rate':0.2", "'rate':1")),
                        422,
                        "spec.layers[1].rate must be at least 0 and below 1"),
                new Bad(
                        body(rows, "m", with("'optimizer':{'type':'adam','learningRate':0}")),
                        422,
                        "spec.optimizer.learningRate"),
                new Bad(
                        body(rows, "m", with("'optimizer':{'type':'rmsprop','momentum':0.5}")),
                        422,
                        "spec.optimizer.momentum applies to sgd only"),
                new Bad(body(rows, "m", with("'epochs':0")), 422, "spec.epochs must be an integer from 1 to 1000"),
                new Bad(body(rows, "m", with("'batchSize':100000")), 422, "spec.batchSize"),
                new Bad(body(rows, "m", with("'validationSplit':1")), 422, "spec.validationSplit"),
                new Bad(body(rows, "m", with("'progressEverySteps':0")), 422, "spec.progressEverySteps"),
                // layers against each other, the loss and the dataset: 422
                new Bad(
                        body(rows, "m", change(SMALL, last, last + ",{'type':'dropout','rate':0.1}")),
                        422,
                        "the last layer must be dense"),
                new Bad(
                        body(rows, "m", change(SMALL, "'softmax'", "'sigmoid'")),
                        422,
                        "needs a softmax output; spec.layers[2].activation is sigmoid"),
                new Bad(
                        body(rows, "m", change(SMALL, "'units':3", "'units':2")),
                        422,
                        "The dataset's labels run from 0 to 2"),
                new Bad(
                        body(rows, "m", change(SMALL, "sparse_categorical_crossentropy", "binary_crossentropy")),
                        422,
                        "spec.layers[2].units must be 1 for binary_crossentropy"),
                new Bad(
                        body(rows, "m", change(SMALL, "sparse_categorical_crossentropy", "mean_squared_error")),
                        422,
                        "spec.layers[2].units must be 1 for mean_squared_error"),
                new Bad(
                        body(rows, "m", change(CNN, "'inputShape':[28,28,1],", "")),
                        422,
                        "spec.inputShape is required with image layers"),
                new Bad(
                        body(images, "m", change(CNN, "[28,28,1]", "[28,28,3]")),
                        422,
                        "each row of the dataset has 784 features"),
                new Bad(
                        body(images, "m", change(CNN, "{'type':'flatten'},", "")),
                        422,
                        "spec.layers[2] (dense) gets a [13, 13, 8] input"),
                new Bad(
                        body(images, "m", change(CNN, "'kernelSize':3", "'kernelSize':29")),
                        422,
                        "spec.layers[0] (conv2d)"),
                new Bad(
                        body(images, "m", change(CNN, "'kernelSize':3", "'kernelSize':[3,3,3]")),
                        422,
                        "spec.layers[0].kernelSize"),
                new Bad(
                        body(images, "m", change(CNN, "'poolSize':2", "'poolSize':27")),
                        422,
                        "spec.layers[1] (max_pool2d)"),
                // the request around the spec
                new Bad(body(rows, "Not A Name", SMALL), 422, "target model name"),
                new Bad(
                        body(rows, "m", SMALL).replaceFirst("}$", ",\"version\":1}"),
                        422,
                        "'version' belongs to inference jobs"),
                new Bad(body(rows, "m", SMALL).replaceFirst("}$", ",\"parameters\":{}}"), 422, "'parameters'"),
                new Bad(body(theirs, "m", SMALL), 404, "No dataset"),
                new Bad(body("ds_unknown", "m", SMALL), 404, "No dataset"));
        for (Bad b : bad) {
            post(tenant, b.body)
                    .statusCode(b.status)
                    .contentType("application/problem+json")
                    .body("detail", containsString(b.detail));
        }
        assertEquals(0, queryLong("SELECT count(*) FROM job WHERE tenant_id = ?", tenant), "nothing was stored");
        as(Tokens.tenant(tenant)).get("/v1/jobs").then().statusCode(200).body("items.size()", equalTo(0));
    }

    @Test
    void aJobSubmittedWhileItsDatasetIsBeingDeletedIsNotFound() throws Exception {
        String tenant = newTenant();
        String rows = dataset(tenant, FOUR_FEATURES);
        try (java.sql.Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            // a deletion under way holds the dataset row, as DatasetCatalogue.delete does
            try (java.sql.PreparedStatement lock =
                    c.prepareStatement("SELECT id FROM dataset WHERE id = ? FOR UPDATE")) {
                lock.setString(1, rows);
                lock.executeQuery().close();
            }
            java.util.concurrent.CompletableFuture<Integer> submitted =
                    java.util.concurrent.CompletableFuture.supplyAsync(() ->
                            post(tenant, body(rows, "late", SMALL)).extract().statusCode());
            Thread.sleep(500);
            assertFalse(submitted.isDone(), "the submission waits for the deletion to end");
            try (java.sql.PreparedStatement delete = c.prepareStatement("DELETE FROM dataset WHERE id = ?")) {
                delete.setString(1, rows);
                delete.executeUpdate();
            }
            c.commit();
            // before the fix the job was queued over a dataset that was gone a moment later
            assertEquals(404, submitted.get(30, java.util.concurrent.TimeUnit.SECONDS));
        }
        assertEquals(0, queryLong("SELECT count(*) FROM job WHERE tenant_id = ?", tenant));
    }

    @Test
    void aTrainingJobOverAnotherTenantsDatasetIsNotFound() {
        String owner = newTenant();
        String theirs = dataset(owner, FOUR_FEATURES);
        String stranger = newTenant();
        post(stranger, body(theirs, "mine", SMALL)).statusCode(404).body("type", equalTo("/problems/not-found"));
        assertNull(queryString("SELECT id FROM job WHERE tenant_id = ?", stranger));
        assertNotNull(queryString("SELECT id FROM dataset WHERE id = ?", theirs));
    }
}
