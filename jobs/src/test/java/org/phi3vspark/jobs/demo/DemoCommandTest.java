package org.phi3vspark.jobs.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.jobs.sql.ResultViews;
import org.phi3vspark.jobs.SharedSpark;
import picocli.CommandLine;

/** The quick start end to end: images, random checkpoint, job, printed table (as a new user runs it). */
class DemoCommandTest {
    @TempDir
    Path tmp;

    @Test
    void runsEveryStageAndPrintsTheResults() throws Exception {
        Path work = tmp.resolve("demo");
        DemoCommand cmd = new DemoCommand();
        new CommandLine(cmd).parseArgs("--output", work.toString());
        StringWriter text = new StringWriter();
        DemoCommand.Outcome outcome;
        try (PrintWriter out = new PrintWriter(text)) {
            outcome = cmd.run(SharedSpark.get(), out);
        }
        String printed = text.toString();

        assertTrue(outcome.randomWeights());
        assertTrue(DemoCheckpoint.isDemoCheckpoint(work.resolve("demo-model")));
        assertTrue(printed.contains("DEMO CHECKPOINT WITH RANDOM WEIGHTS"), printed);
        assertTrue(printed.contains("TEXT IS MEANINGLESS"), printed);
        assertTrue(printed.contains("demo checkpoint: 100%"), "checkpoint progress shown:\n" + printed);
        assertTrue(printed.contains("Results table (Parquet, partitioned by task and run_date): " + outcome.results()),
                printed);

        int manifestRows = Files.readAllLines(outcome.manifest()).size();
        assertEquals(manifestRows, outcome.summary().rowsWritten());
        SparkSession spark = SharedSpark.get();
        ResultViews.register(spark, outcome.results().toString());
        // Even random weights write valid chart JSON, decoded under the chart schema: every row is ok.
        List<String> errors = spark.sql("SELECT item_id, error FROM phi3v_errors")
                .collectAsList().stream().map(r -> r.getString(0) + ": " + r.getString(1)).toList();
        assertEquals(List.of(), errors, "every sample image goes through");
        assertEquals(manifestRows, outcome.summary().ok());
        assertEquals(2, spark.sql("SELECT * FROM phi3v_latest WHERE task = 'chart' AND chart.parse_error IS NULL"
                + " AND chart.chart_type IS NOT NULL AND closed_early IS NOT NULL").count(), "both charts are typed");
        List<Row> byTask = spark.sql("SELECT task, count(*) FROM phi3v_results GROUP BY task ORDER BY task")
                .collectAsList();
        assertEquals(List.of("caption:3", "chart:2", "ocr:2", "video_summary:1"),
                byTask.stream().map(r -> r.getString(0) + ":" + r.getLong(1)).toList());
        Row report = spark.sql("SELECT size(image_uris), num_crops, generation.max_new_tokens, description "
                + "FROM phi3v_results WHERE item_id = '" + SampleImages.REPORT + "'").first();
        assertEquals(2, report.getInt(0), "the two-page item keeps both images");
        assertEquals(DemoCommand.DEMO_NUM_CROPS, report.getInt(1));
        assertEquals(DemoCommand.DEMO_MAX_NEW_TOKENS, report.getInt(2));
        assertTrue(report.getString(3).contains("field report"), "description passed through");
        Row clip = spark.sql("SELECT video_uri, size(frame_timestamps), size(image_sizes), num_crops, prompt "
                + "FROM phi3v_results WHERE item_id = '" + SampleImages.CLIP + "'").first();
        assertTrue(clip.getString(0).endsWith(SampleImages.CLIP + ".mp4"), clip.toString());
        assertEquals(8, clip.getInt(1), "the clip as 8 evenly spaced frames (spark.phi3v.videoFrames)");
        assertEquals(8, clip.getInt(2));
        assertTrue(clip.getString(4).startsWith("<|image_1|>\n") && clip.getString(4).contains("<|image_8|>\n"),
                clip.getString(4));
        for (String item : List.of(SampleImages.SUNSET, SampleImages.INVOICE, SampleImages.BAR_CHART,
                SampleImages.REPORT)) {
            assertTrue(printed.contains("| " + item + " "), item + " in the printed table:\n" + printed);
        }

        // A second demo with --keep-previous reuses the checkpoint and redoes only what is not ok yet.
        long okBefore = outcome.summary().ok();
        DemoCommand again = new DemoCommand();
        new CommandLine(again).parseArgs("--output", work.toString(), "--keep-previous");
        StringWriter text2 = new StringWriter();
        DemoCommand.Outcome second;
        try (PrintWriter out = new PrintWriter(text2)) {
            second = again.run(SharedSpark.get(), out);
        }
        assertTrue(text2.toString().contains("demo checkpoint: reusing " + work.resolve("demo-model")), text2.toString());
        assertEquals(okBefore, second.summary().requestsSkipped(), "ok requests are not run again");
        assertEquals(manifestRows - okBefore, second.summary().rowsWritten());
    }
}
