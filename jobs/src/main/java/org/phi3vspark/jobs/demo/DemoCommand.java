package org.phi3vspark.jobs.demo;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.phi3vspark.jobs.RunJob;
import org.phi3vspark.jobs.RunOptions;
import org.phi3vspark.jobs.RunSummary;
import org.phi3vspark.jobs.WriteMode;
import org.phi3vspark.jobs.sql.CliSpark;
import org.phi3vspark.jobs.sql.ResultViews;
import org.phi3vspark.jobs.sql.TextTable;
import org.phi3vspark.udf.task.TaskOverrides;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code phi3v demo}: sample images, a demo checkpoint when none is given, a full local run, a result table. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {
            "Runs the whole pipeline on local Spark over sample images that the project draws (three photo-like"
                + " scenes, an invoice page, a bar chart, a line chart, a two-page document) and a short video clip"
                + " it encodes, with the tasks caption, ocr, chart and video_summary, then prints the results and"
                + " where the table was written.",
            "Without --model it first writes a tiny RANDOM-WEIGHT checkpoint: every stage runs, but the generated"
                + " text is meaningless."
        })
public final class DemoCommand implements Callable<Integer> {
    /**
     * Crops and tokens that keep the random-weight demo to seconds on two CPU cores; the tokens leave a chart
     * answer some room above the chart schema's minimum (24 tokens).
     */
    static final int DEMO_NUM_CROPS = 1;
    static final int DEMO_MAX_NEW_TOKENS = 32;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR",
            description = "A downloaded microsoft/Phi-3.5-vision-instruct snapshot. Default: a generated tiny"
                    + " random-weight checkpoint in OUTPUT/demo-model (meaningless text).")
    Path model;

    @Option(names = "--output", paramLabel = "DIR", defaultValue = "phi3v-demo",
            description = "Work folder: images/, manifest.jsonl, demo-model/, results/ (default: ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--num-crops", paramLabel = "N",
            description = "HD crops per image. Default: " + DEMO_NUM_CROPS + " with the demo checkpoint, the task"
                    + " presets' values with --model.")
    Integer numCrops;

    @Option(names = "--max-new-tokens", paramLabel = "N",
            description = "Tokens to generate per answer. Default: " + DEMO_MAX_NEW_TOKENS + " with the demo"
                    + " checkpoint, the task presets' values with --model.")
    Integer maxNewTokens;

    @Option(names = "--keep-previous",
            description = "Append to an existing results table, skipping requests already done (the default write"
                    + " mode of 'phi3v run'). Without it the demo replaces the table.")
    boolean keepPrevious;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "" + DemoCheckpoint.DEFAULT_SEED,
            description = "Seed of the random demo weights (default: ${DEFAULT-VALUE}).")
    long seed;

    /** What the demo produced. */
    public record Outcome(Path workDir, Path manifest, Path model, boolean randomWeights, Path results,
                          RunSummary summary) {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        validate();
        SparkSession spark = CliSpark.session("phi3v demo", List.of(
                "spark.phi3v.progressIntervalSeconds=2", "spark.phi3v.itemsPerPartition=2"));
        try {
            run(spark, out);
        } finally {
            spark.stop();
        }
        return 0;
    }

    private void validate() {
        if (numCrops != null && numCrops < 1) {
            throw new ParameterException(spec.commandLine(), "--num-crops must be at least 1, got " + numCrops);
        }
        if (maxNewTokens != null && maxNewTokens < 1) {
            throw new ParameterException(spec.commandLine(), "--max-new-tokens must be at least 1, got " + maxNewTokens);
        }
        if (model != null && !Files.isRegularFile(model.resolve("config.json"))) {
            throw new ParameterException(spec.commandLine(), "--model " + model + " has no config.json; expected a"
                    + " downloaded microsoft/Phi-3.5-vision-instruct snapshot");
        }
    }

    /** Runs every step in {@code spark} and prints to {@code out}; tests call this with their shared session. */
    public Outcome run(SparkSession spark, PrintWriter out) {
        Path work = output.toAbsolutePath().normalize();
        out.println("phi3v demo: work folder " + work);

        out.println("[1/4] sample images, clip and manifest");
        List<SampleImages.SampleItem> items = SampleImages.writeAll(work.resolve("images"));
        List<SampleManifest.Row> rows = SampleManifest.rows(items);
        Path manifest = SampleManifest.write(work.resolve("manifest.jsonl"), rows);
        long videoItems = items.stream().filter(i -> i.video() != null).count();
        long imageFiles = items.stream().mapToLong(i -> i.images().size()).sum();
        out.println("      " + items.size() + " items (" + (items.size() - videoItems) + " of images: " + imageFiles
                + " image files; " + videoItems + " video) in " + work.resolve("images"));
        out.println("      " + rows.size() + " manifest rows in " + manifest);
        out.flush();

        boolean random = model == null;
        Path modelDir;
        out.println("[2/4] model");
        if (random) {
            modelDir = DemoCheckpoint.ensure(work.resolve("demo-model"), seed, new ConsoleProgress(out));
            printRandomWeightsWarning(out, modelDir);
        } else {
            modelDir = model.toAbsolutePath().normalize();
            out.println("      " + modelDir);
        }
        out.flush();

        Integer crops = numCrops != null ? numCrops : random ? Integer.valueOf(DEMO_NUM_CROPS) : null;
        Integer tokens = maxNewTokens != null ? maxNewTokens : random ? Integer.valueOf(DEMO_MAX_NEW_TOKENS) : null;
        Path results = work.resolve("results");
        out.println("[3/4] running the job on local Spark (tasks caption, ocr, chart, video_summary"
                + (crops != null ? "; num_crops " + crops : "") + (tokens != null ? "; max_new_tokens " + tokens : "")
                + ")");
        out.flush();
        RunOptions options = RunOptions.of(manifest.toString(), results.toString(), modelDir.toString(),
                        List.of("caption", "ocr", "chart", "video_summary"))
                .withOverrides(TaskOverrides.small(crops, tokens))
                .withMode(keepPrevious ? WriteMode.SKIP_DONE : WriteMode.OVERWRITE)
                .withPassthrough(List.of("description"));
        RunSummary summary = RunJob.run(spark, options, line -> {
            out.println("      " + line);
            out.flush();
        });
        out.println("      " + summary.oneLine());

        out.println("[4/4] results (newest row per item and task)");
        ResultViews.register(spark, results.toString());
        TextTable.Rendered table = TextTable.render(spark.sql(resultsQuery()), 100, 48);
        out.print(table.text());
        if (random) {
            out.println("(random weights: the response text is meaningless; chart answers are valid chart JSON"
                    + " because they are decoded under the chart schema, but their values mean nothing either; see"
                    + " the warning above)");
        }
        out.println();
        out.println("Results table (Parquet, partitioned by task and run_date): " + results);
        out.println("Run summary: " + summary.summaryPath());
        out.println("Query it:  bin/phi3v sql --results " + results
                + " \"SELECT task, status, count(*) AS n FROM phi3v_results GROUP BY task, status\"");
        out.println("Notebooks: PHI3V_RESULTS=" + results + " jupyter lab notebooks/");
        out.flush();
        return new Outcome(work, manifest, modelDir, random, results, summary);
    }

    /** One row per item and task, the newest first; error rows show their error instead of a response. */
    static String resultsQuery() {
        return """
                SELECT item_id, task, status,
                       CASE WHEN video_uri IS NULL THEN size(image_uris) ELSE size(image_sizes) END AS images,
                       output_tokens, latency_ms,
                       CASE WHEN status = 'ok' THEN response ELSE concat(error_stage, ': ', error) END AS response_or_error
                FROM (
                  SELECT r.*, ROW_NUMBER() OVER (PARTITION BY item_id, task ORDER BY created_at DESC) AS newest
                  FROM phi3v_results r
                ) t
                WHERE newest = 1
                ORDER BY task, item_id""";
    }

    static void printRandomWeightsWarning(PrintWriter out, Path modelDir) {
        String bar = "!".repeat(78);
        out.println(bar);
        out.println("!! DEMO CHECKPOINT WITH RANDOM WEIGHTS: " + modelDir);
        out.println("!! It has the structure of Phi-3.5-vision (tiny sizes, real tokenizer) but random values.");
        out.println("!! Every stage runs (decode, HD crops, vision tower, decoder, parsing, Parquet), but the");
        out.println("!! generated TEXT IS MEANINGLESS. For real answers download the model and pass --model DIR:");
        out.println("!!   huggingface-cli download microsoft/Phi-3.5-vision-instruct --local-dir DIR");
        out.println(bar);
    }
}
