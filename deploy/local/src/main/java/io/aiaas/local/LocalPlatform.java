package io.aiaas.local;

import io.aiaas.common.archive.SavedModelArchive;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The all-in-one launcher: {@code ./aiaas-local [--reset]}. Starts the platform on embedded defaults with its state in
 * {@code .aiaas/}, seeds the demo, prints the demo API key once with commands to try, and stops everything on Ctrl-C.
 */
public final class LocalPlatform {
    private LocalPlatform() {}

    public static void main(String[] args) throws Exception {
        List<String> arguments = List.of(args);
        if (arguments.contains("--help") || arguments.contains("-h")) {
            System.out.println("usage: ./aiaas-local [--reset]\n"
                    + "  --reset  wipe .aiaas/ (database, Kafka log, artifacts, keys) before starting\n"
                    + "environment: AIAAS_ADMIN_PASSWORD (default admin); AIAAS_DB_URL, AIAAS_KAFKA_BOOTSTRAP,\n"
                    + "  AIAAS_OIDC_URL to use external PostgreSQL, Kafka, Keycloak instead of the embedded ones");
            return;
        }
        Path repoRoot = Path.of(System.getProperty("aiaas.repo.root", "."))
                .toAbsolutePath()
                .normalize();
        Path stateDir = repoRoot.resolve(".aiaas");
        Files.createDirectories(stateDir);

        try (FileChannel lockFile = FileChannel.open(
                        stateDir.resolve("launcher.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = lockFile.tryLock()) {
            if (lock == null) {
                System.err.println("[aiaas] another launcher is running on " + stateDir + "; stop it first");
                System.exit(1);
            }
            if (arguments.contains("--reset")) {
                PidFiles.reapStale(stateDir);
                resetState(stateDir);
            }
            // A crashed run may have left services behind; its locks died with it.
            PidFiles.reapStale(stateDir);
            run(repoRoot, stateDir);
        }
    }

    private static void run(Path repoRoot, Path stateDir) throws Exception {
        String adminPassword = System.getenv().getOrDefault("AIAAS_ADMIN_PASSWORD", "admin");
        PlatformRuntime runtime = PlatformRuntime.start(
                new PlatformRuntime.Options(repoRoot, stateDir, true, adminPassword, false, System.getenv()));
        Thread stopper = new Thread(
                () -> {
                    PlatformRuntime.log("stopping");
                    runtime.close();
                    PlatformRuntime.log("stopped");
                },
                "aiaas-stop");
        Runtime.getRuntime().addShutdownHook(stopper);

        PlatformClient client = new PlatformClient(runtime.gatewayUrl());
        String adminToken = PlatformClient.passwordGrant(runtime.oidcUrl(), "admin", adminPassword);
        DemoSeeder.Demo demo = new DemoSeeder(client, stateDir).seed(adminToken);
        printBanner(System.out, runtime, demo);

        for (; ; ) {
            Thread.sleep(5000);
            for (ServiceProcess.Service s : ServiceProcess.Service.values()) {
                ServiceProcess process = runtime.service(s);
                if (process != null && !process.isAlive()) {
                    PlatformRuntime.log(s.module() + " has stopped; see " + process.log());
                }
            }
        }
    }

    private static void resetState(Path stateDir) throws IOException {
        PlatformRuntime.log("wiping " + stateDir);
        try (var children = Files.list(stateDir)) {
            for (Path child : children.toList()) {
                if (!child.getFileName().toString().equals("launcher.lock")) {
                    SavedModelArchive.deleteTree(child);
                }
            }
        }
    }

    /** The demo key goes to the terminal only, once: never through a logger, never to a file. */
    static void printBanner(PrintStream out, PlatformRuntime runtime, DemoSeeder.Demo demo) {
        String gw = runtime.gatewayUrl().replace("127.0.0.1", "localhost");
        String oidc = runtime.oidcUrl().replace("127.0.0.1", "localhost");
        String job = "{\"type\":\"inference\",\"model\":\"" + DemoSeeder.MODEL
                + "\",\"inputs\":[{\"name\":\"x\",\"shape\":[2,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4,0,0,0,1]}]}";
        out.println();
        out.println("================================================================================");
        out.println(
                " AIaaS platform is up (state in " + runtime.stateDir() + ", logs in " + runtime.stateDir() + "/logs)");
        out.println();
        out.println(" Gateway        " + gw + "   (OpenAPI: " + gw + "/q/openapi)");
        out.println(" Keycloak       " + oidc.replaceAll("/realms/.*$", "") + "   realm aiaas, user admin");
        out.println(" Demo tenant    " + demo.tenantId() + "   key id " + demo.keyId());
        out.println();
        out.println(" Demo API key (shown once; a restart issues a new one and revokes this one):");
        out.println();
        out.println("   export AIAAS_KEY=" + demo.apiKey());
        out.println();
        out.println(" Try it:");
        out.println("   curl -s " + gw + "/v1/models -H \"Authorization: Bearer $AIAAS_KEY\"");
        out.println("   curl -s " + gw + "/v1/models/" + DemoSeeder.MODEL + "/versions/1"
                + " -H \"Authorization: Bearer $AIAAS_KEY\"");
        out.println("   JOB=$(curl -s -X POST " + gw + "/v1/jobs -H \"Authorization: Bearer $AIAAS_KEY\""
                + " -H 'Content-Type: application/json' \\");
        out.println("     -d '" + job + "' | grep -o 'job_[0-9A-Za-z]*' | head -1)");
        out.println("   curl -s " + gw + "/v1/jobs/$JOB -H \"Authorization: Bearer $AIAAS_KEY\"");
        out.println("   curl -s " + gw + "/v1/usage -H \"Authorization: Bearer $AIAAS_KEY\"");
        out.println();
        out.println(" Predict online: Open Inference Protocol (KServe, Triton clients) and TF Serving REST:");
        out.println("   curl -s " + gw + "/v2/models/" + DemoSeeder.MODEL + " -H \"Authorization: Bearer $AIAAS_KEY\"");
        out.println("   curl -s -X POST " + gw + "/v2/models/" + DemoSeeder.MODEL + "/infer"
                + " -H \"Authorization: Bearer $AIAAS_KEY\" -H 'Content-Type: application/json' \\");
        out.println("     -d '{\"inputs\":[{\"name\":\"x\",\"shape\":[2,4],\"datatype\":\"FP32\","
                + "\"data\":[[1,2,3,4],[0,0,0,1]]}]}'");
        out.println("   curl -s -X POST " + gw + "/tfserving/v1/models/" + DemoSeeder.MODEL + ":predict"
                + " -H \"Authorization: Bearer $AIAAS_KEY\" \\");
        out.println("     -d '{\"instances\":[[1,2,3,4],[0,0,0,1]]}'");
        out.println();
        out.println(" Train the seed's network (784-64-64-10) on the demo digits, watch it, predict with it:");
        String train = "{\"type\":\"training\",\"dataset\":\"" + demo.digits() + "\",\"model\":\"digits\","
                + "\"spec\":{\"layers\":[{\"type\":\"dense\",\"units\":64,\"activation\":\"relu\"},"
                + "{\"type\":\"dense\",\"units\":64,\"activation\":\"relu\"},"
                + "{\"type\":\"dense\",\"units\":10,\"activation\":\"softmax\"}],"
                + "\"loss\":\"sparse_categorical_crossentropy\",\"optimizer\":{\"type\":\"adam\",\"learningRate\":0.001},"
                + "\"epochs\":5,\"batchSize\":32,\"validationSplit\":0.1,\"seed\":42}}";
        out.println("   TRAIN=$(curl -s -X POST " + gw + "/v1/jobs -H \"Authorization: Bearer $AIAAS_KEY\""
                + " -H 'Content-Type: application/json' \\");
        out.println("     -d '" + train + "' | grep -o 'job_[0-9A-Za-z]*' | head -1)");
        out.println("   curl -N " + gw + "/v1/jobs/$TRAIN/events -H \"Authorization: Bearer $AIAAS_KEY\"");
        String predict = "{\"type\":\"inference\",\"model\":\"digits\",\"dataset\":\"" + demo.digitsTest() + "\"}";
        out.println("   BATCH=$(curl -s -X POST " + gw + "/v1/jobs -H \"Authorization: Bearer $AIAAS_KEY\""
                + " -H 'Content-Type: application/json' \\");
        out.println("     -d '" + predict + "' | grep -o 'job_[0-9A-Za-z]*' | head -1)");
        out.println("   curl -s " + gw + "/v1/jobs/$BATCH/result -H \"Authorization: Bearer $AIAAS_KEY\" | head -3");
        out.println();
        out.println(" As the administrator (password from AIAAS_ADMIN_PASSWORD, default admin):");
        out.println("   TOKEN=$(curl -s " + oidc + "/protocol/openid-connect/token -d grant_type=password"
                + " -d client_id=aiaas-cli -d username=admin -d \"password=${AIAAS_ADMIN_PASSWORD:-admin}\" \\");
        out.println("     | grep -o '\"access_token\":\"[^\"]*' | cut -d'\"' -f4)");
        out.println("   curl -s " + gw + "/admin/v1/tenants -H \"Authorization: Bearer $TOKEN\"");
        out.println();
        out.println(" Ctrl-C stops everything.");
        out.println("================================================================================");
        out.flush();
    }
}
