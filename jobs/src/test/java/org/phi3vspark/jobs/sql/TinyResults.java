package org.phi3vspark.jobs.sql;

import org.phi3vspark.jobs.SharedSpark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.phi3vspark.jobs.RunJob;
import org.phi3vspark.jobs.RunOptions;
import org.phi3vspark.jobs.RunSummary;
import org.phi3vspark.jobs.demo.SampleImages;
import org.phi3vspark.jobs.demo.SampleManifest;
import org.phi3vspark.model.generate.json.TokenVocabulary;
import org.phi3vspark.udf.conf.TableFormat;
import org.phi3vspark.udf.task.TaskOverrides;
import org.phi3vspark.udf.task.TaskPreset;
import org.phi3vspark.udf.task.TaskRegistry;

/**
 * A results table written by the real job with the tiny golden checkpoint: the sample images (one row
 * per item and suitable task, a two-image item among them) plus a zero-byte image that yields an error
 * row. Made once per test JVM and shared by the notebook and contract tests; the notebook tests also read the same
 * run written as a Delta table.
 */
public final class TinyResults {
    /** Rows of the manifest that point at the broken image. */
    public static final String BROKEN_ITEM = "broken-image";

    private static Path table;
    private static Path manifest;
    private static Path deltaTable;
    private static RunSummary summary;
    private static int expectedRows;
    private static TokenVocabulary vocabulary;

    private TinyResults() {
    }

    public static Path checkpoint() {
        return Path.of(System.getProperty("phi3v.fixtures.dir", "../testdata/golden")).resolve("checkpoints/tiny-f32");
    }

    public static synchronized Path table() {
        if (table == null) {
            try {
                Path dir = Files.createTempDirectory("phi3v-tiny-results");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "delete-tiny-results"));
                List<SampleManifest.Row> rows = new ArrayList<>(SampleManifest.rows(
                        SampleImages.writeAll(dir.resolve("images"))));
                Path empty = Files.createFile(dir.resolve("images/empty.png"));
                rows.add(new SampleManifest.Row(BROKEN_ITEM, List.of(empty.toUri().toString()), "caption",
                        "a zero-byte file"));
                expectedRows = rows.size();
                manifest = SampleManifest.write(dir.resolve("manifest.jsonl"), rows);
                Path out = dir.resolve("results");
                summary = RunJob.run(SharedSpark.get(), options(out), line -> { });
                table = out;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot build the tiny results table", e);
            }
        }
        return table;
    }

    /** The same run into a Delta table, next to the Parquet one. */
    public static synchronized Path deltaTable() {
        if (deltaTable == null) {
            Path out = table().resolveSibling("results-delta");
            RunJob.run(SharedSpark.get(), options(out).withTableFormat(TableFormat.DELTA), line -> { });
            deltaTable = out;
        }
        return deltaTable;
    }

    private static RunOptions options(Path out) {
        return RunOptions.of(manifest.toString(), out.toString(), checkpoint().toString(), List.of("caption"))
                .withRegistry(smallTasks());
    }

    /** One crop, {@link #maxNewTokens} tokens. */
    private static TaskRegistry smallTasks() {
        TaskRegistry tasks = TaskRegistry.builtIn();
        for (TaskPreset t : tasks.all()) {
            tasks = tasks.withTask(t.with(TaskOverrides.small(1, maxNewTokens(t.name()))));
        }
        return tasks;
    }

    /**
     * Tokens per answer of {@code task} in the table: 4, and for charts the fewest in which an answer can
     * always be finished under the chart schema (constrained decoding needs them).
     */
    public static synchronized int maxNewTokens(String task) {
        TaskPreset preset = TaskRegistry.builtIn().get(task);
        if (preset.schema() == null) {
            return 4;
        }
        if (vocabulary == null) {
            vocabulary = TokenVocabulary.load(checkpoint());
        }
        return preset.schema().minimumTokens(vocabulary);
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp folder left behind is harmless
        }
    }

    public static synchronized RunSummary summary() {
        table();
        return summary;
    }

    /** One result row per manifest row (each row names its task). */
    public static synchronized int expectedRows() {
        table();
        return expectedRows;
    }
}
