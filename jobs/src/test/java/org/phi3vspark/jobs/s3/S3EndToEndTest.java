package org.phi3vspark.jobs.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.jobs.Phi3vCli;
import org.phi3vspark.jobs.SharedSpark;
import org.phi3vspark.udf.Phi3vTransformer;
import org.phi3vspark.udf.snapshot.ModelCache;

/**
 * The job with everything on S3: manifest, images, model snapshot and results table in buckets of a real S3 API
 * server (S3Proxy), read and written by the real S3A client. The job runs as {@code phi3v run} in its own JVM,
 * twice (the second run reuses the executor's model copy), and every line it prints is searched for the secret.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3EndToEndTest {

    static final String MODELS = "e2e-models";
    static final String DATA = "e2e-data";
    static final String RESULTS = "e2e-results";

    @TempDir
    static Path tmp;
    S3ProxyServer server;
    Configuration conf;
    String model;
    String output;
    Path cache;
    ChildJvm.Result run1;
    ChildJvm.Result run2;
    List<String> goodUris = new ArrayList<>();
    String missingUri;
    BasicFileAttributes cacheAfterRun1;

    @BeforeAll
    void runTwice() throws Exception {
        server = S3ProxyServer.start(tmp.resolve("s3"), MODELS, DATA, RESULTS);
        conf = S3TestData.conf(server);
        model = "s3a://" + MODELS + "/microsoft/tiny-f32/";
        S3TestData.putFolder(conf, S3TestData.GOLDEN.resolve("checkpoints/tiny-f32"), model);
        List<String> lines = new ArrayList<>();
        int i = 0;
        for (Path img : S3TestData.smallImages(3)) {
            String uri = "s3a://" + DATA + "/images/" + (i == 2 ? "sub/" : "") + "img" + i + ".png";
            S3TestData.put(conf, Files.readAllBytes(img), uri);
            goodUris.add(uri);
            lines.add(S3TestData.row("item" + i, uri));
            i++;
        }
        missingUri = "s3a://" + DATA + "/images/never-uploaded.png";
        lines.add(S3TestData.row("missing", missingUri));
        S3TestData.putText(conf, String.join("\n", lines) + "\n", "s3a://" + DATA + "/manifests/batch1.jsonl");
        output = "s3a://" + RESULTS + "/phi3v/captions";
        cache = tmp.resolve("model-cache");

        run1 = runCli("e2e-1");
        assertEquals(0, run1.exitCode(), ChildJvm.tail(run1.output()));
        cacheAfterRun1 = Files.readAttributes(cacheEntry().resolve("model.safetensors"), BasicFileAttributes.class);
        run2 = runCli("e2e-2");
        assertEquals(0, run2.exitCode(), ChildJvm.tail(run2.output()));
    }

    @AfterAll
    void stopServer() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    private ChildJvm.Result runCli(String runId) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("run",
                "--input", "s3a://" + DATA + "/manifests/batch1.jsonl",
                "--output", output,
                "--model", model,
                "--tasks", "caption", "--num-crops", "1", "--max-new-tokens", "3",
                "--run-id", runId,
                "--master", "local[2]",
                "--conf", "spark.driver.bindAddress=127.0.0.1", "--conf", "spark.driver.host=127.0.0.1",
                "--conf", "spark.ui.enabled=false", "--conf", "spark.sql.shuffle.partitions=2",
                "--conf", "spark.log.level=INFO",
                "--conf", "spark.hadoop.phi3v.model.cache.dir=" + cache));
        // Credentials exactly as a user could pass them (the secret on the command line), so any echo shows up.
        args.addAll(server.sparkConfArgs());
        return ChildJvm.run(Phi3vCli.class.getName(), args, Map.of(), tmp.resolve(runId + ".log"), 600);
    }

    private Path cacheEntry() throws IOException {
        try (Stream<Path> s = Files.list(cache)) {
            List<Path> entries = s.filter(Files::isDirectory).toList();
            assertEquals(1, entries.size(), "one cache entry, no temporary folders left: " + entries);
            return entries.get(0);
        }
    }

    private JsonObject summary(String runId) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(output + "/_phi3v_runs/" + runId + ".json");
        try (FileSystem fs = p.getFileSystem(conf); InputStream in = fs.open(p)) {
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }

    private Dataset<Row> table() {
        SparkSession spark = SharedSpark.get();
        server.s3aSettings().forEach((k, v) -> spark.sparkContext().hadoopConfiguration().set(k, v));
        return spark.read().parquet(output);
    }

    @Test
    void resultsAreWrittenToS3AndReadBack() {
        List<Row> rows = table().where("run_id = 'e2e-1'").collectAsList();
        assertEquals(4, rows.size());
        for (Row r : rows) {
            String id = r.getAs("item_id");
            String uri = r.getList(r.fieldIndex("image_uris")).get(0).toString();
            if (id.equals("missing")) {
                assertEquals("error", r.getAs("status"));
                assertEquals("read", r.getAs("error_stage"));
                String error = r.getAs("error");
                assertTrue(error.contains(missingUri) && error.contains("not found"), error);
                assertNull(r.getAs("response"));
            } else {
                assertEquals("ok", r.getAs("status"), id + ": " + r.getAs("error"));
                assertTrue(goodUris.contains(uri), uri);
                assertNotNull(r.getAs("response"));
                assertTrue((Integer) r.getAs("output_tokens") >= 1);
                assertEquals(model, r.getAs("model"));
                assertEquals("caption", r.getAs("task"));
            }
        }
    }

    @Test
    void summaryIsWrittenNextToTheTable() throws IOException {
        JsonObject s = summary("e2e-1");
        assertEquals(4, s.get("rows_written").getAsLong());
        assertEquals(3, s.get("ok").getAsLong());
        assertEquals(1, s.get("errors").getAsLong());
        assertEquals(1, s.get("model_loads").getAsLong(), "local[2]: one executor JVM, one load");
        assertEquals(model, s.get("model").getAsString());
        assertTrue(run1.output().contains("[phi3v] run e2e-1"), ChildJvm.tail(run1.output()));
    }

    @Test
    void rerunSkipsDoneRowsAndReusesTheModelCopy() throws IOException {
        JsonObject s = summary("e2e-2");
        assertEquals(3, s.get("requests_skipped").getAsLong());
        assertEquals(1, s.get("rows_written").getAsLong(), "only the failed row is retried");
        BasicFileAttributes again = Files.readAttributes(cacheEntry().resolve("model.safetensors"),
                BasicFileAttributes.class);
        assertEquals(cacheAfterRun1.fileKey(), again.fileKey(), "the second run reused the cached copy");
        assertEquals(cacheAfterRun1.lastModifiedTime(), again.lastModifiedTime());
        Path local = S3TestData.GOLDEN.resolve("checkpoints/tiny-f32");
        try (Stream<Path> files = Files.list(local)) {
            for (Path f : files.toList()) {
                assertEquals(Files.size(f), Files.size(cacheEntry().resolve(f.getFileName().toString())),
                        f.getFileName().toString());
            }
        }
        assertEquals(1, table().where("run_id = 'e2e-2'").count());
    }

    @Test
    void transformerTakesTheModelAndImagesFromS3() {
        SparkSession spark = SharedSpark.get();
        server.s3aSettings().forEach((k, v) -> spark.sparkContext().hadoopConfiguration().set(k, v));
        spark.sparkContext().hadoopConfiguration().set(ModelCache.CACHE_DIR_KEY, tmp.resolve("tf-cache").toString());
        try {
            Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create(goodUris.get(0))),
                    new StructType().add("path", DataTypes.StringType));
            List<Row> rows = new Phi3vTransformer().setModel(model).setTask("caption").setImageCol("path")
                    .setNumCrops(1).setMaxNewTokens(2).transform(df).collectAsList();
            assertEquals(1, rows.size());
            assertEquals("ok", rows.get(0).getAs("status"), (String) rows.get(0).getAs("error"));
            assertTrue(Files.isDirectory(tmp.resolve("tf-cache")));
        } finally {
            spark.sparkContext().hadoopConfiguration().unset(ModelCache.CACHE_DIR_KEY);
        }
    }

    @Test
    void secretNeverPrintedOrStored() throws IOException {
        String secret = S3ProxyServer.SECRET_KEY;
        assertFalse(run1.output().contains(secret), "secret in the output of run 1");
        assertFalse(run2.output().contains(secret), "secret in the output of run 2");
        // The logs were really captured (INFO level), so the check above means something.
        assertTrue(run1.output().contains("INFO"), ChildJvm.tail(run1.output()));
        for (String json : table().toJSON().collectAsList()) {
            assertFalse(json.contains(secret), json);
        }
        assertFalse(summary("e2e-1").toString().contains(secret));
        assertFalse(summary("e2e-2").toString().contains(secret));
    }
}
