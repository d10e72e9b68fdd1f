package org.phi3vspark.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.jobs.RunJob;
import org.phi3vspark.jobs.RunOptions;
import org.phi3vspark.jobs.SharedSpark;
import org.phi3vspark.jobs.s3.ChildJvm;
import org.phi3vspark.jobs.s3.S3ProxyServer;
import org.phi3vspark.jobs.s3.S3TestData;
import org.phi3vspark.udf.task.TaskOverrides;

/**
 * The job on a real multi-executor Spark: {@code local-cluster[2,1,1024]} (a master and two workers in the driver
 * JVM, two separate executor JVMs), model snapshot, manifest and results on S3 (S3Proxy), credentials from the
 * environment (the default chain), one task killed after it wrote a row; then the same items into a Delta table.
 * Checks that the table equals a local-mode run, has each item exactly once, that the Delta table has the same
 * rows in one commit, and that each executor JVM loaded the model once for both runs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalClusterTest {

    static final String MODELS = "cl-models";
    static final String DATA = "cl-data";
    static final String RESULTS = "cl-results";
    static final int ITEMS = 6;
    static final Pattern PROBE = Pattern.compile("PROBE executor=(\\S+) pid=(\\d+) loads=(\\d+) copies=(\\d+)");

    @TempDir
    static Path tmp;
    S3ProxyServer server;
    Configuration conf;
    String manifest;
    String output;
    String deltaOutput;
    ChildJvm.Result run;
    Path sparkHome;

    @BeforeAll
    void runOnCluster() throws Exception {
        server = S3ProxyServer.start(tmp.resolve("s3"), MODELS, DATA, RESULTS);
        conf = S3TestData.conf(server);
        String model = "s3a://" + MODELS + "/tiny-f32";
        S3TestData.putFolder(conf, S3TestData.GOLDEN.resolve("checkpoints/tiny-f32"), model);
        Path images = Files.createDirectories(tmp.resolve("images"));
        List<Path> small = S3TestData.smallImages(3);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < ITEMS; i++) {
            Path img = Files.copy(small.get(i % small.size()), images.resolve("img" + i + ".png"));
            lines.add(S3TestData.row("item" + i, "failonce://" + img.toAbsolutePath()));
        }
        manifest = "s3a://" + DATA + "/manifest.jsonl";
        S3TestData.putText(conf, String.join("\n", lines) + "\n", manifest);
        output = "s3a://" + RESULTS + "/captions";
        deltaOutput = "s3a://" + RESULTS + "/captions-delta";
        sparkHome = prepareSparkHome();

        List<String> args = new ArrayList<>();
        Map<String, String> sparkConf = new TreeMap<>();
        sparkConf.put("spark.master", "local-cluster[2,1,1024]");
        sparkConf.put("spark.app.name", "phi3v-local-cluster-test");
        sparkConf.put("spark.driver.bindAddress", "127.0.0.1");
        sparkConf.put("spark.driver.host", "127.0.0.1");
        sparkConf.put("spark.ui.enabled", "false");
        sparkConf.put("spark.log.level", "INFO");
        // Executors load our classes from the build folders (same machine); the jars come from $SPARK_HOME/jars.
        sparkConf.put("spark.executor.extraClassPath", String.join(File.pathSeparator, classDirs()));
        // Both executors share one node-local model cache; the driver has its own (another java.io.tmpdir).
        sparkConf.put("spark.executor.extraJavaOptions", "-Dai.djl.offline=true -Djava.io.tmpdir="
                + Files.createDirectories(tmp.resolve("executor-tmp")));
        sparkConf.put("spark.task.maxFailures", "2");
        // Hand tasks to whichever executor is free (both get inference tasks) instead of waiting for locality.
        sparkConf.put("spark.locality.wait", "0s");
        sparkConf.put("spark.phi3v.maxRunning", "1");
        sparkConf.put("spark.phi3v.prefetchRequests", "1");
        sparkConf.put("spark.phi3v.itemsPerPartition", "3");
        sparkConf.put("spark.hadoop.fs.failonce.impl", FailOnceFileSystem.class.getName());
        sparkConf.put("spark.hadoop." + FailOnceFileSystem.DIR_KEY, tmp.resolve("failonce").toString());
        // S3A settings without credentials: those come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
        server.s3aSettings().forEach((k, v) -> {
            if (!k.contains("access.key") && !k.contains("secret.key") && !k.contains("credentials.provider")) {
                sparkConf.put("spark.hadoop." + k, v);
            }
        });
        sparkConf.forEach((k, v) -> args.add(k + "=" + v));
        args.add("--");
        args.addAll(List.of("run", "--input", manifest, "--output", output, "--model", model,
                "--tasks", "caption", "--num-crops", "1", "--max-new-tokens", "3", "--run-id", "cluster-1"));
        // The same items again, into a Delta table: data files from both executor JVMs, one commit by the driver.
        args.add("--");
        args.addAll(List.of("run", "--input", manifest, "--output", deltaOutput, "--table-format", "delta",
                "--model", model, "--tasks", "caption", "--num-crops", "1", "--max-new-tokens", "3",
                "--run-id", "cluster-delta"));
        Map<String, String> env = new HashMap<>();
        env.put("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY);
        env.put("AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_KEY);
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        run = ChildJvm.run(ClusterMain.class.getName(),
                List.of("-Djava.io.tmpdir=" + Files.createDirectories(tmp.resolve("driver-tmp"))),
                args, env, tmp.resolve("cluster.log"), 600);
        assertEquals(0, run.exitCode(), ChildJvm.tail(run.output()));
    }

    @AfterAll
    void stopServer() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    /** A Spark home whose jars/ links to every jar of the test classpath, as the workers need to start executors. */
    private static Path prepareSparkHome() throws IOException {
        Path home = Path.of(System.getProperty("phi3v.test.spark.home", "target/spark-home")).toAbsolutePath();
        Path jars = home.resolve("jars");
        if (Files.exists(jars)) {
            try (Stream<Path> old = Files.list(jars)) {
                for (Path p : old.toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(jars);
        int i = 0;
        for (Path e : ChildJvm.classpathEntries()) {
            if (Files.isRegularFile(e) && e.toString().endsWith(".jar")) {
                Files.createSymbolicLink(jars.resolve(String.format("%03d-%s", i++, e.getFileName())), e);
            }
        }
        return home;
    }

    private static List<String> classDirs() {
        return ChildJvm.classpathEntries().stream().filter(Files::isDirectory).map(Path::toString).toList();
    }

    private Map<String, Row> rowsByItem(SparkSession spark, String table, String runId) {
        Map<String, Row> out = new HashMap<>();
        for (Row r : spark.read().parquet(table).where("run_id = '" + runId + "'").collectAsList()) {
            Row previous = out.put(r.getAs("item_id"), r);
            assertTrue(previous == null, "item " + r.getAs("item_id") + " twice in " + table);
        }
        return out;
    }

    private SparkSession spark() {
        SparkSession spark = SharedSpark.get();
        server.s3aSettings().forEach((k, v) -> spark.sparkContext().hadoopConfiguration().set(k, v));
        spark.sparkContext().hadoopConfiguration().set("fs.failonce.impl", FailOnceFileSystem.class.getName());
        return spark;
    }

    @Test
    void taskWasKilledAndRetriedWithoutDuplicateOrMissingRows() throws IOException {
        assertTrue(run.output().contains("FAILED_TASKS 1"), ChildJvm.tail(run.output()));
        assertTrue(run.output().contains("test hook: killing the task"), ChildJvm.tail(run.output()));
        assertTrue(Files.exists(tmp.resolve("failonce").resolve(FailOnceFileSystem.MARKER)));
        Map<String, Row> rows = rowsByItem(spark(), output, "cluster-1");
        assertEquals(ITEMS, rows.size());
        for (int i = 0; i < ITEMS; i++) {
            Row r = rows.get("item" + i);
            assertEquals("ok", r.getAs("status"), "item" + i + ": " + r.getAs("error"));
        }
    }

    @Test
    void resultsEqualLocalMode() {
        SparkSession spark = spark();
        String local = tmp.resolve("local-results").toString();
        TaskOverrides sameAsCli = TaskOverrides.small(1, 3);
        RunJob.run(spark, RunOptions.of(manifest, local, S3TestData.GOLDEN.resolve("checkpoints/tiny-f32")
                .toAbsolutePath().toString(), List.of("caption")).withOverrides(sameAsCli), s -> { });
        Map<String, Row> expected = rowsByItem(spark, local, spark.read().parquet(local).first().getAs("run_id"));
        Map<String, Row> actual = rowsByItem(spark, output, "cluster-1");
        assertEquals(expected.keySet(), actual.keySet());
        for (String id : expected.keySet()) {
            for (String col : List.of("response", "status", "prompt_tokens", "image_tokens", "output_tokens",
                    "finish_reason", "model_revision", "request_key", "prompt")) {
                assertEquals((Object) expected.get(id).getAs(col), actual.get(id).getAs(col), id + " " + col);
            }
        }
    }

    @Test
    void deltaRunOnTheClusterCommittedTheSameRowsOnce() {
        SparkSession spark = spark();
        Map<String, Row> parquet = rowsByItem(spark, output, "cluster-1");
        Map<String, Row> delta = new HashMap<>();
        for (Row r : spark.read().format("delta").load(deltaOutput).collectAsList()) {
            assertTrue(delta.put(r.getAs("item_id"), r) == null, "item " + r.getAs("item_id") + " twice");
            assertEquals("cluster-delta", r.getAs("run_id"));
        }
        assertEquals(parquet.keySet(), delta.keySet());
        for (String id : parquet.keySet()) {
            assertEquals(parquet.get(id).<String>getAs("response"), delta.get(id).<String>getAs("response"), id);
        }
        assertEquals(List.of("0 phi3v run cluster-delta"), spark.sql("DESCRIBE HISTORY delta.`" + deltaOutput + "`")
                .collectAsList().stream().map(r -> r.getAs("version") + " " + r.getAs("userMetadata")).toList());
    }

    @Test
    void eachExecutorJvmLoadedTheModelOnceAndOneCopyServedBoth() throws IOException {
        Matcher m = PROBE.matcher(run.output());
        Map<String, String> pidByExecutor = new HashMap<>();
        Set<String> pids = new HashSet<>();
        int copies = 0;
        while (m.find()) {
            String previous = pidByExecutor.put(m.group(1), m.group(2));
            assertTrue(previous == null || previous.equals(m.group(2)), "executor " + m.group(1) + " in two JVMs");
            if (pids.add(m.group(2))) {
                copies += Integer.parseInt(m.group(4));
            }
            assertEquals("1", m.group(3), "model loads in executor JVM " + m.group(1) + ": " + m.group());
        }
        assertEquals(2, pidByExecutor.size(), "two executor JVMs answered: " + ChildJvm.tail(run.output()));
        assertEquals(2, pids.size());
        assertEquals(1, copies, "the two executors on this machine share one copy of the snapshot");
        try (Stream<Path> s = Files.list(tmp.resolve("executor-tmp/phi3v-model-cache"))) {
            assertEquals(1, s.filter(Files::isDirectory).count());
        }
    }

    @Test
    void secretNeverPrinted() throws IOException {
        String secret = S3ProxyServer.SECRET_KEY;
        assertFalse(run.output().contains(secret), "secret in the driver output");
        List<Path> logs;
        try (Stream<Path> s = Files.walk(sparkHome.resolve("work"))) {
            logs = s.filter(Files::isRegularFile).toList();
        }
        assertFalse(logs.isEmpty(), "executor logs under " + sparkHome.resolve("work"));
        for (Path log : logs) {
            String text = new String(Files.readAllBytes(log), StandardCharsets.ISO_8859_1);
            assertFalse(text.contains(secret), "secret in " + log);
        }
    }
}
