package org.phi3vspark.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.jobs.sql.SqlCommand;
import org.phi3vspark.udf.conf.TableFormat;
import org.phi3vspark.udf.task.TaskOverrides;
import picocli.CommandLine;

/**
 * The job writing a Delta table on local[2]: a first run with an image that is not there yet, a rerun after it
 * arrived and one more image was added, then {@code phi3v sql} over both versions; overwrite as a new version; a
 * table of one format is not written as the other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeltaTableTest {

    static final TaskOverrides FAST = TaskOverrides.small(1, 4);

    @TempDir
    static Path tmp;
    SparkSession spark;
    Path model;
    Path images;
    Path late;
    Path output;
    RunSummary first;
    RunSummary rerun;

    @BeforeAll
    void runTwice() throws IOException {
        spark = SharedSpark.get();
        model = TestImages.GOLDEN.resolve("checkpoints/tiny-f32");
        images = Files.createDirectories(tmp.resolve("images"));
        List<Path> small = TestImages.smallGoldenImages(2);
        Files.copy(small.get(0), images.resolve("a.png"));
        Files.copy(small.get(1), images.resolve("b.png"));
        late = images.resolve("late.png");
        output = tmp.resolve("results");

        first = RunJob.run(spark, options(manifest("run1", "a", "b", "late"), output), line -> { });
        // The missing upload arrives and one more image is added.
        Files.copy(small.get(0), late);
        Files.copy(small.get(1), images.resolve("added.png"));
        rerun = RunJob.run(spark, options(manifest("run2", "a", "b", "late", "added"), output), line -> { });
    }

    private Path manifest(String name, String... items) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String item : items) {
            lines.add("{\"item_id\": \"" + item + "\", \"image_uri\": \"" + images.resolve(item + ".png") + "\"}");
        }
        return Files.write(tmp.resolve(name + ".jsonl"), lines);
    }

    private RunOptions options(Path manifest, Path table) {
        return RunOptions.of(manifest.toString(), table.toString(), model.toString(), List.of("caption"))
                .withOverrides(FAST).withTableFormat(TableFormat.DELTA);
    }

    /** {@code phi3v sql} as the CLI parses it, in the shared session. */
    private String sql(String query) {
        SqlCommand cmd = new SqlCommand();
        new CommandLine(cmd).parseArgs("--results", output.toString(), query);
        StringWriter text = new StringWriter();
        try (PrintWriter out = new PrintWriter(text)) {
            assertEquals(0, cmd.run(spark, out));
        }
        return text.toString();
    }

    private static String table(String... rows) {
        return String.join("\n", rows) + "\n";
    }

    @Test
    void eachRunIsOneCommitAndItsSummaryNamesTheVersion() throws IOException {
        assertEquals("delta", first.tableFormat());
        assertEquals(0L, first.tableVersion());
        assertEquals(1L, rerun.tableVersion());
        assertTrue(Files.isDirectory(output.resolve("_delta_log")));
        List<String> history = spark.sql("DESCRIBE HISTORY delta.`" + output + "`").orderBy("version")
                .collectAsList().stream().map(r -> r.getAs("version") + " " + r.getAs("userMetadata")).toList();
        assertEquals(List.of("0 phi3v run " + first.runId(), "1 phi3v run " + rerun.runId()), history);
        String json = Files.readString(output.resolve(RunJob.RUNS_DIR).resolve(rerun.runId() + ".json"),
                StandardCharsets.UTF_8);
        assertTrue(json.contains("\"table_format\": \"delta\"") && json.contains("\"table_version\": 1"), json);
    }

    @Test
    void rerunAddsTheNewImageAndRetriesTheBadOne() {
        assertEquals(2, first.ok());
        assertEquals(1, first.errors());
        assertEquals(2, rerun.requestsSkipped(), "a and b are done");
        assertEquals(2, rerun.rowsWritten(), "late is retried, added is new");
        assertEquals(2, rerun.ok());
    }

    @Test
    void sqlReadsTheTableAndEachVersion() {
        assertEquals(table(
                "+---------+--------+",
                "| item_id | status |",
                "+---------+--------+",
                "| a       | ok     |",
                "| b       | ok     |",
                "| late    | error  |",
                "+---------+--------+",
                "3 rows"), sql("SELECT item_id, status FROM delta.`" + output + "` VERSION AS OF 0 ORDER BY item_id"));
        assertEquals(table(
                "+---------+--------+---+",
                "| item_id | status | n |",
                "+---------+--------+---+",
                "| a       | ok     | 1 |",
                "| added   | ok     | 1 |",
                "| b       | ok     | 1 |",
                "| late    | error  | 1 |",
                "| late    | ok     | 1 |",
                "+---------+--------+---+",
                "5 rows"), sql("SELECT item_id, status, count(*) AS n FROM phi3v_results GROUP BY item_id, status"
                + " ORDER BY item_id, status"));
        assertEquals(table(
                "+---------+-------------+----------+",
                "| item_id | error_stage | resolved |",
                "+---------+-------------+----------+",
                "| late    | read        | true     |",
                "+---------+-------------+----------+",
                "1 row"), sql("SELECT item_id, error_stage, resolved FROM phi3v_errors"));
    }

    @Test
    void overwriteIsANewVersionAndTheOldOneStaysReadable() throws IOException {
        Path table = tmp.resolve("overwritten");
        RunJob.run(spark, options(manifest("ow1", "a", "b"), table), line -> { });
        RunSummary replaced = RunJob.run(spark, options(manifest("ow2", "added"), table).withMode(WriteMode.OVERWRITE),
                line -> { });
        assertEquals(1L, replaced.tableVersion());
        assertEquals(List.of("added"), spark.read().format("delta").load(table.toString()).select("item_id")
                .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
        assertEquals(2, spark.sql("SELECT * FROM delta.`" + table + "` VERSION AS OF 0").count());
    }

    @Test
    void rerunWithNothingLeftToDoIsAnEmptyCommit() throws IOException {
        Path table = tmp.resolve("nothing-left");
        Path manifest = manifest("nothing-left", "a");
        RunJob.run(spark, options(manifest, table), line -> { });
        RunSummary again = RunJob.run(spark, options(manifest, table), line -> { });
        assertEquals(1, again.requestsSkipped());
        assertEquals(0, again.rowsWritten());
        assertEquals(1L, again.tableVersion(), "every run is a version, an empty one too");
        assertEquals(1, spark.read().format("delta").load(table.toString()).count());
    }

    @Test
    void aTableIsNotWrittenInTheOtherFormat() throws IOException {
        Path manifest = manifest("other", "a");
        var intoDelta = assertThrows(IllegalArgumentException.class, () -> RunJob.run(spark,
                options(manifest, output).withTableFormat(TableFormat.PARQUET), line -> { }));
        assertTrue(intoDelta.getMessage().contains("is a delta table")
                && intoDelta.getMessage().contains("--table-format delta"), intoDelta.getMessage());

        Path parquet = tmp.resolve("parquet-table");
        RunJob.run(spark, options(manifest, parquet).withTableFormat(TableFormat.PARQUET), line -> { });
        var intoParquet = assertThrows(IllegalArgumentException.class, () -> RunJob.run(spark,
                options(manifest, parquet), line -> { }));
        assertTrue(intoParquet.getMessage().contains("is a parquet table")
                && intoParquet.getMessage().contains("--table-format parquet"), intoParquet.getMessage());
    }
}
