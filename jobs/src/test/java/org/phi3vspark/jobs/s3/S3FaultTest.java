package org.phi3vspark.jobs.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.jobs.RunJob;
import org.phi3vspark.jobs.RunOptions;
import org.phi3vspark.jobs.RunSummary;
import org.phi3vspark.jobs.SharedSpark;
import org.phi3vspark.udf.conf.TableFormat;
import org.phi3vspark.udf.task.TaskOverrides;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * The job against S3 (local[2], real S3A against S3Proxy): the requests it makes per image, and S3 failing under a
 * running job: the server stops after the second image download, while the tasks write the results table, during
 * the Parquet job commit and during the Delta commit.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3FaultTest {

    static final String DATA = "fault-data";
    static final String RESULTS = "fault-results";
    static final TaskOverrides FAST = TaskOverrides.small(1, 2);

    @TempDir
    static Path tmp;
    S3ProxyServer server;
    Configuration conf;
    SparkSession spark;
    String model;
    List<String> images = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        server = S3ProxyServer.start(tmp.resolve("s3"), DATA, RESULTS);
        conf = S3TestData.conf(server);
        List<Path> small = S3TestData.smallImages(2);
        for (int i = 0; i < 4; i++) {
            String uri = "s3a://" + DATA + "/images/img" + i + ".png";
            S3TestData.put(conf, Files.readAllBytes(small.get(i % 2)), uri);
            images.add(uri);
        }
        model = S3TestData.GOLDEN.resolve("checkpoints/tiny-f32").toAbsolutePath().toString();
        spark = SharedSpark.get();
        Configuration hc = spark.sparkContext().hadoopConfiguration();
        server.s3aSettings().forEach(hc::set);
        // Only the clients of this test's buckets get the fault injector.
        for (String b : List.of(DATA, RESULTS)) {
            hc.set("fs.s3a.bucket." + b + ".audit.execution.interceptors", FaultInjector.class.getName());
        }
    }

    @AfterEach
    void clearHook() throws Exception {
        FaultInjector.setHook(null);
        server.start();
    }

    @AfterAll
    void stop() throws InterruptedException {
        FaultInjector.setHook(null);
        if (server != null) {
            server.close();
        }
    }

    private String manifest(String name, List<String> uris) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String u : uris) {
            lines.add(S3TestData.row(u.substring(u.lastIndexOf('/') + 1), u));
        }
        return Files.write(tmp.resolve(name + ".jsonl"), lines).toString();
    }

    /**
     * Stops the server (and waits until it refuses connections) when the {@code n}th matching request is about to
     * be sent. That request and every later matching one wait for the stop; the earlier ones get a moment to
     * finish first (they are tiny downloads), so exactly {@code n - 1} matching requests succeed.
     */
    private void stopServerAt(int n, java.util.function.Predicate<Object> matching) {
        AtomicInteger seen = new AtomicInteger();
        CountDownLatch stopped = new CountDownLatch(1);
        FaultInjector.setHook(request -> {
            if (!matching.test(request)) {
                return;
            }
            int k = seen.incrementAndGet();
            if (k == n) {
                sleepQuietly(n > 1 ? 1500 : 0);
                server.stop();
                stopped.countDown();
            } else if (k > n) {
                try {
                    stopped.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void eachImageGetsOneHeadRequestAndOneDownload() throws Exception {
        List<String> heads = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> gets = java.util.Collections.synchronizedList(new ArrayList<>());
        FaultInjector.setHook(r -> {
            if (r instanceof HeadObjectRequest h && h.key().startsWith("images/")) {
                heads.add(h.key());
            } else if (r instanceof GetObjectRequest g && g.key().startsWith("images/")) {
                gets.add(g.key());
            }
        });
        RunSummary s = RunJob.run(spark, RunOptions.of(manifest("requests", images), tmp.resolve("requests-results")
                .toString(), model, List.of("caption")).withOverrides(FAST), line -> { });
        assertEquals(images.size(), s.ok());
        List<String> keys = images.stream().map(u -> u.substring(("s3a://" + DATA + "/").length())).sorted().toList();
        // The planner's stat (content key) is the only HEAD: the reader opens with the length it found.
        assertEquals(keys, heads.stream().sorted().toList());
        assertEquals(keys, gets.stream().sorted().toList());
    }

    @Test
    void serverStoppingMidRunTurnsUnreadImagesIntoErrorRowsWithTheCause() throws Exception {
        String output = tmp.resolve("read-fault-results").toString();
        // Image downloads 1 and 2 succeed; the server is gone before download 3 is sent.
        stopServerAt(3, r -> r instanceof GetObjectRequest g && g.key().startsWith("images/"));
        RunSummary s = RunJob.run(spark, RunOptions.of(manifest("read-fault", images), output, model,
                List.of("caption")).withOverrides(FAST), line -> { });
        assertFalse(server.running(), "the hook stopped the server during the run");
        List<Row> rows = spark.read().parquet(output).where("run_id = '" + s.runId() + "'").collectAsList();
        assertEquals(images.size(), rows.size(), "one row per item, whatever failed");
        int ok = 0;
        for (Row r : rows) {
            String uri = r.getList(r.fieldIndex("image_uris")).get(0).toString();
            if ("ok".equals(r.getAs("status"))) {
                ok++;
                continue;
            }
            String error = r.getAs("error");
            assertEquals("read", r.getAs("error_stage"), error);
            assertTrue(error.contains(uri), "error names the URI: " + error);
            String lower = error.toLowerCase(Locale.ROOT);
            assertTrue(lower.contains("connect") || lower.contains("unable to execute http request"),
                    "error gives the cause: " + error);
            assertFalse(error.contains(S3ProxyServer.SECRET_KEY));
        }
        assertEquals(2, ok, "the two images downloaded before the outage are captioned");
        assertEquals(images.size() - 2, s.errors());
    }

    @Test
    void failedWriteFailsTheJobAndReadersSeeOnlyCommittedRuns() throws Exception {
        String output = "s3a://" + RESULTS + "/captions";
        RunSummary first = RunJob.run(spark, RunOptions.of(manifest("write-1", images.subList(0, 2)), output, model,
                List.of("caption")).withOverrides(FAST), line -> { });
        assertEquals(2, first.ok());
        long filesBefore = dataFiles(output).size();

        // The next run adds two items; the server dies when its first result file is uploaded.
        stopServerAt(1, r -> r instanceof PutObjectRequest p && p.key().endsWith(".parquet"));
        Exception e = assertThrows(Exception.class, () -> RunJob.run(spark, RunOptions.of(
                manifest("write-2", images), output, model, List.of("caption")).withOverrides(FAST), line -> { }));
        String message = messages(e);
        assertTrue(message.contains(output), "the failure names the table: " + message);
        assertTrue(message.contains("Connection refused"), "the failure gives the cause: " + message);
        assertFalse(message.contains(S3ProxyServer.SECRET_KEY));

        server.start();
        assertEquals(filesBefore, dataFiles(output).size(), "no data file of the failed run is visible");
        List<Row> rows = spark.read().parquet(output).collectAsList();
        assertEquals(2, rows.size(), "readers see the committed run only");
        for (Row r : rows) {
            assertEquals(first.runId(), r.getAs("run_id"));
        }

        // A table whose first run fails has no data files at all.
        String fresh = "s3a://" + RESULTS + "/fresh";
        stopServerAt(1, r -> r instanceof PutObjectRequest p && p.key().endsWith(".parquet"));
        assertThrows(Exception.class, () -> RunJob.run(spark, RunOptions.of(manifest("write-3", images), fresh,
                model, List.of("caption")).withOverrides(FAST), line -> { }));
        server.start();
        assertEquals(List.of(), dataFiles(fresh));
    }

    @Test
    void failureDuringJobCommitIsRepairedByTheRerunWithoutDuplicates() throws Exception {
        String output = "s3a://" + RESULTS + "/commit";
        RunSummary first = RunJob.run(spark, RunOptions.of(manifest("commit-1", images.subList(0, 2)), output, model,
                List.of("caption")).withOverrides(FAST), line -> { });
        assertEquals(2, first.ok());

        // The job commit moves each task's file into the table (a copy on S3); the server dies before the second.
        stopServerAt(2, r -> r instanceof CopyObjectRequest c && c.destinationKey().startsWith("commit/")
                && !c.destinationKey().contains("/_temporary/"));
        Exception e = assertThrows(Exception.class, () -> RunJob.run(spark, RunOptions.of(manifest("commit-2", images),
                output, model, List.of("caption")).withOverrides(FAST), line -> { }));
        String message = messages(e);
        assertTrue(message.contains(output), "the failure names the table: " + message);
        server.start();
        FaultInjector.setHook(null);
        // What the classic file committer leaves: the file moved before the failure is visible (see conf/S3.md).
        long visible = spark.read().parquet(output).count();
        assertEquals(3, visible, "two rows of the first run and the one row moved before the failure");

        RunSummary rerun = RunJob.run(spark, RunOptions.of(manifest("commit-3", images), output, model,
                List.of("caption")).withOverrides(FAST), line -> { });
        assertEquals(3, rerun.requestsSkipped(), "the visible rows count as done");
        List<Row> rows = spark.read().parquet(output).collectAsList();
        List<String> items = rows.stream().map(r -> (String) r.getAs("item_id")).sorted().toList();
        assertEquals(images.stream().map(u -> u.substring(u.lastIndexOf('/') + 1)).sorted().toList(), items,
                "every item exactly once");
        for (Row r : rows) {
            assertEquals("ok", r.getAs("status"));
        }
    }

    @Test
    void deltaCommitFailureLeavesThePreviousVersionAndTheRerunCompletesWithoutDuplicates() throws Exception {
        String output = "s3a://" + RESULTS + "/delta";
        RunSummary first = RunJob.run(spark, RunOptions.of(manifest("delta-1", images.subList(0, 2)), output, model,
                List.of("caption")).withOverrides(FAST).withTableFormat(TableFormat.DELTA), line -> { });
        assertEquals(0L, first.tableVersion());
        long filesBefore = dataFiles(output).size();

        // The tasks upload their data files; the server dies when the driver writes the log entry of version 1.
        stopServerAt(1, r -> r instanceof PutObjectRequest p && p.key().equals("delta/_delta_log/"
                + String.format("%020d", 1) + ".json"));
        Exception e = assertThrows(Exception.class, () -> RunJob.run(spark, RunOptions.of(manifest("delta-2", images),
                output, model, List.of("caption")).withOverrides(FAST).withTableFormat(TableFormat.DELTA),
                line -> { }));
        String message = messages(e);
        assertTrue(message.contains(output) && message.contains("previous version"), message);
        assertFalse(message.contains(S3ProxyServer.SECRET_KEY));
        server.start();
        FaultInjector.setHook(null);
        assertTrue(dataFiles(output).size() > filesBefore, "the failed run's data files were uploaded");
        List<Row> visible = spark.read().format("delta").load(output).collectAsList();
        assertEquals(2, visible.size(), "readers see version 0 only");
        for (Row r : visible) {
            assertEquals(first.runId(), r.getAs("run_id"));
        }

        RunSummary rerun = RunJob.run(spark, RunOptions.of(manifest("delta-3", images), output, model,
                List.of("caption")).withOverrides(FAST).withTableFormat(TableFormat.DELTA), line -> { });
        assertEquals(1L, rerun.tableVersion(), "the failed run made no version");
        assertEquals(2, rerun.requestsSkipped());
        List<Row> rows = spark.read().format("delta").load(output).collectAsList();
        assertEquals(images.stream().map(u -> u.substring(u.lastIndexOf('/') + 1)).sorted().toList(),
                rows.stream().map(r -> (String) r.getAs("item_id")).sorted().toList(), "every item exactly once");
        for (Row r : rows) {
            assertEquals("ok", r.getAs("status"));
        }
    }

    /** Parquet files a reader would see: not under a folder whose name starts with _ or . (Spark's rule). */
    private List<String> dataFiles(String table) throws IOException {
        List<String> out = new ArrayList<>();
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(table);
        try (FileSystem fs = root.getFileSystem(S3TestData.conf(server))) {
            if (!fs.exists(root)) {
                return out;
            }
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
            String prefix = fs.makeQualified(root).toString();
            while (it.hasNext()) {
                String p = it.next().getPath().toString();
                String rel = p.substring(prefix.length());
                if (p.endsWith(".parquet") && !rel.matches(".*/[_.][^/]*/.*")) {
                    out.add(rel);
                }
            }
        }
        return out;
    }

    private static String messages(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t.getClass().getName()).append(": ").append(t.getMessage()).append("\n");
        }
        return sb.toString();
    }
}
