package org.phi3vspark.jobs;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.phi3vspark.model.cli.GenerationOptions;
import org.phi3vspark.udf.conf.Phi3vConf;
import org.phi3vspark.udf.conf.TableFormat;
import org.phi3vspark.udf.task.TaskOverrides;
import org.phi3vspark.udf.task.TaskPreset;
import org.phi3vspark.udf.task.TaskRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code phi3v run}: the batch job, on embedded local Spark by default or under spark-submit. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run Phi-3.5-vision tasks over an image manifest or folder and write a Parquet or Delta table.",
            "Executor settings are spark.phi3v.* entries (--conf or spark-defaults); see conf/SETTINGS.md."})
public final class RunCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--input", required = true, description = "Manifest (Parquet, CSV, JSON Lines; file or folder) "
            + "or a folder/prefix of images and videos (.mp4, .mov, .m4v). Any Hadoop URI: file://, hdfs://, s3a://.")
    String input;

    @Option(names = "--input-format", defaultValue = "auto", description = "auto, parquet, csv, jsonl or images. "
            + "Default: ${DEFAULT-VALUE}.")
    String inputFormat;

    @Option(names = "--output", required = true, description = "Results table folder (Hadoop URI).")
    String output;

    @Option(names = "--model", required = true, description = "Phi-3.5-vision-instruct snapshot (Hugging Face "
            + "layout): a local directory, or a Hadoop URI such as s3a://bucket/path/ that each machine copies once "
            + "into its model cache (spark.hadoop.phi3v.model.cache.dir).")
    String model;

    @Option(names = "--tasks", split = ",", defaultValue = "caption", description = "Tasks for rows without a task "
            + "column value, comma-separated: caption, ocr, chart, video_summary or custom ones. Default:"
            + " ${DEFAULT-VALUE}.")
    List<String> tasks;

    @Option(names = "--task-def", description = "Custom task NAME=PROMPT_TEMPLATE; {column} placeholders are filled "
            + "from the manifest. Repeatable.")
    Map<String, String> taskDefs = new LinkedHashMap<>();

    @Option(names = "--tasks-file", description = "tasks.json overriding or adding presets (format: conf/tasks.json).")
    Path tasksFile;

    @Option(names = "--mode", defaultValue = "skip-done", description = "skip-done: append, skipping requests that "
            + "already have an ok row; overwrite: replace the table. Default: ${DEFAULT-VALUE}.")
    String mode;

    @Option(names = "--table-format", paramLabel = "parquet|delta", description = "Results table format: parquet"
            + " (partitioned Parquet files) or delta (Delta Lake: one atomic commit per run, time travel). Default: the"
            + " setting spark.phi3v.tableFormat, else parquet.")
    String tableFormat;

    @Option(names = "--passthrough", split = ",", description = "Manifest columns to copy into the output.")
    List<String> passthrough = new ArrayList<>();

    @Option(names = "--image-column", description = "Image column if not image_uri / image_uris / video_uri"
            + " (a string or an array of strings of image URIs).")
    String imageColumn;

    @Option(names = "--video-column", description = "Column holding one video URI per row, if not video_uri (its"
            + " sampled frames are the row's images; see spark.phi3v.videoFrames).")
    String videoColumn;

    @Option(names = "--num-crops", description = "Crop budget for every task (single and multi-image).")
    Integer numCrops;

    @CommandLine.Mixin
    GenerationOptions generation;

    @Option(names = "--run-id", description = "Run id (default: UTC time plus a random suffix).")
    String runId;

    @Option(names = "--master", description = "Spark master when not set by spark-submit. Default: local[*].")
    String master;

    @Option(names = "--conf", description = "Spark setting KEY=VALUE, e.g. spark.phi3v.maxRunning=8. Repeatable.")
    Map<String, String> conf = new LinkedHashMap<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        SparkConf sparkConf = new SparkConf();
        conf.forEach(sparkConf::set);
        if (master != null) {
            sparkConf.setMaster(master);
        } else if (!sparkConf.contains("spark.master")) {
            sparkConf.setMaster("local[*]");
        }
        sparkConf.setIfMissing("spark.app.name", "phi3v run");
        DeltaSessionConf.addTo(sparkConf);
        // Settings are checked here, before the session (and so any executor) starts.
        Phi3vConf.from(sparkConf);
        RunOptions options = options();
        // Inside an application that already has a session (tests, notebooks) use it and leave it running.
        boolean ownSession = SparkSession.getDefaultSession().isEmpty();
        SparkSession spark = SparkSession.builder().config(sparkConf).getOrCreate();
        if (ownSession && !sparkConf.contains("spark.log.level")) {
            spark.sparkContext().setLogLevel("WARN");
        }
        try {
            RunSummary summary = RunJob.run(spark, options, line -> {
                out.println(line);
                out.flush();
            });
            out.println(RunJob.toJson(summary));
            out.println("[phi3v] " + summary.oneLine());
            out.flush();
            return 0;
        } finally {
            if (ownSession) {
                spark.stop();
            }
        }
    }

    private RunOptions.MediaColumn media() {
        if (imageColumn != null && videoColumn != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --image-column or --video-column, not"
                    + " both: a run reads a row's images from one column, or its video's frames");
        }
        return imageColumn != null ? RunOptions.MediaColumn.images(imageColumn)
                : videoColumn != null ? RunOptions.MediaColumn.videos(videoColumn) : null;
    }

    RunOptions options() {
        TaskRegistry registry = TaskRegistry.builtIn();
        if (tasksFile != null) {
            registry = registry.withFile(tasksFile);
        }
        for (Map.Entry<String, String> d : taskDefs.entrySet()) {
            registry = registry.withTask(TaskPreset.custom(d.getKey().trim(), d.getValue()));
        }
        TaskOverrides overrides = new TaskOverrides(null, numCrops, null, generation.overrides(), null, null);
        return new RunOptions(input, InputFormat.parse(inputFormat), output, model, registry,
                tasks.stream().map(String::trim).filter(s -> !s.isEmpty()).toList(), overrides,
                WriteMode.parse(mode), passthrough, media(), runId,
                tableFormat == null ? null : TableFormat.parse(tableFormat));
    }
}
