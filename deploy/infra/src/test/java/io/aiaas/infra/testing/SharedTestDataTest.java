package io.aiaas.infra.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

class SharedTestDataTest {

    @Test
    void aMissingModelFailsUnderCiAndIsSkippedLoudlyElsewhere(@TempDir Path empty) {
        AssertionError ci = assertThrows(
                AssertionError.class,
                () -> SharedTestData.requirePythonSavedModel(
                        Map.of("CI", "true", SharedTestData.ENV, empty.toString())::get));
        assertTrue(ci.getMessage().contains("CI=true"), ci.getMessage());
        assertThrows(
                TestAbortedException.class,
                () -> SharedTestData.requirePythonSavedModel(Map.of(SharedTestData.ENV, empty.toString())::get));
        assertThrows(
                TestAbortedException.class,
                () -> SharedTestData.requirePythonSavedModel(
                        Map.of("CI", "false", SharedTestData.ENV, empty.toString())::get));
    }

    @Test
    void aPresentModelIsFoundWhereverTheRunIs(@TempDir Path testdata) throws Exception {
        Path model = Files.createDirectories(testdata.resolve(SharedTestData.PYTHON_SAVED_MODEL));
        Files.writeString(model.resolve("saved_model.pb"), "pb");
        assertEquals(
                model,
                SharedTestData.requirePythonSavedModel(
                        Map.of("CI", "true", SharedTestData.ENV, testdata.toString())::get));
    }

    @Test
    void theRepositoryRootHoldsTheMavenWrapper() {
        Path root = SharedTestData.repositoryRoot();
        assertTrue(Files.isRegularFile(root.resolve("mvnw")), root.toString());
        assertTrue(Files.isDirectory(root.resolve("deploy/infra")), root.toString());
    }
}
