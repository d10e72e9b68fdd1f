package org.phi3vspark.jobs;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.phi3vspark.model.io.Checkpoint;
import org.phi3vspark.udf.InferencePartition;
import org.phi3vspark.udf.ManifestLayout;
import org.phi3vspark.udf.Phi3vConf;
import org.phi3vspark.udf.ProgressCounters;
import org.phi3vspark.udf.ResultSchema;
import org.phi3vspark.udf.SerializableHadoopConf;
import org.phi3vspark.udf.WorkPlanner;
import org.phi3vspark.udf.WorkSchema;
import org.phi3vspark.udf.cache.ModelCache;
import org.phi3vspark.udf.task.TaskPreset;
import org.phi3vspark.udf.task.TaskRegistry;

/**
 * The batch job: read and check the manifest, plan one request per item and task, drop requests already done,
 * run the partition function, write the partitioned Parquet table, then count what was written into the run
 * summary. Everything that can be wrong with the configuration or the manifest is checked before the first
 * executor task.
 */
public final class RunJob {

    /** Folder inside the table for run summaries; the underscore hides it from Spark readers. */
    public static final String RUNS_DIR = "_phi3v_runs";

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting()
            .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES).create();

    private RunJob() {
    }

    public static RunSummary run(SparkSession spark, RunOptions o, Consumer<String> log) {
        Instant started = Instant.now();
        Phi3vConf.Settings settings = Phi3vConf.from(spark.sparkContext().getConf());
        String runId = o.runId() != null ? o.runId() : newRunId(started);
        LocalDate runDate = LocalDate.ofInstant(started, ZoneOffset.UTC);

        // The revision is read from config.json and the tensor index; for a remote snapshot (s3a://...) only those
        // headers are fetched here, and each executor copies the weights into its own model cache.
        boolean remoteModel = ModelCache.isRemote(o.model());
        String modelDir = remoteModel ? o.model() : localModelDir(o.model()).toString();
        String modelShown = remoteModel ? ModelCache.redact(o.model()) : modelDir; // no user info in logs
        String revision;
        if (remoteModel) {
            revision = ModelCache.revision(o.model(), spark.sparkContext().hadoopConfiguration());
        } else {
            try (Checkpoint ckpt = Checkpoint.open(java.nio.file.Path.of(modelDir))) {
                revision = ckpt.revision();
            }
        }

        TaskRegistry registry = o.registry();
        if (!o.overrides().isEmpty()) {
            for (TaskPreset p : registry.all()) {
                registry = registry.withTask(p.with(o.overrides()));
            }
        }
        for (String t : o.tasks()) {
            registry.get(t);
        }

        Manifest manifest = ManifestReader.read(spark, o.input(), o.inputFormat());
        for (String col : o.passthrough()) {
            if (ResultSchema.columnNames().contains(col)) {
                throw new IllegalArgumentException("passthrough column " + col + " of manifest " + manifest.source()
                        + " has the name of a result column; rename it in the manifest");
            }
        }
        StructType schema = manifest.rows().schema();
        ManifestLayout layout = ManifestLayout.of(schema, o.imageColumn(), o.passthrough(), manifest.baseDir(),
                manifest.source());
        Set<String> usedTasks = new LinkedHashSet<>(o.tasks());
        // Rows without a task value get every task of --tasks: with none, they would silently yield no rows.
        boolean rowsWithoutTask = layout.task() < 0;
        if (layout.task() >= 0) {
            for (Row r : manifest.rows().select(functions.col(ManifestLayout.TASK)).distinct().collectAsList()) {
                if (r.isNullAt(0)) {
                    rowsWithoutTask = true;
                } else {
                    String t = r.getString(0).trim();
                    if (!registry.has(t)) {
                        throw new IllegalArgumentException("manifest " + manifest.source() + ": column task has value '"
                                + t + "', which is not a known task " + registry.names());
                    }
                    usedTasks.add(t);
                }
            }
        }
        if (o.tasks().isEmpty() && rowsWithoutTask && !manifest.empty()) {
            throw new IllegalArgumentException("--tasks is empty, but manifest " + manifest.source() + " has rows"
                    + (layout.task() < 0 ? "" : " with no task value")
                    + "; name at least one task, e.g. --tasks caption");
        }
        for (String t : usedTasks) {
            layout.checkPlaceholders(t, registry.get(t).placeholders());
        }

        SerializableHadoopConf hadoopConf = new SerializableHadoopConf(spark.sparkContext().hadoopConfiguration());
        String output = qualified(spark, o.output());
        StructType pass = layout.passthroughType(schema);

        spark.sparkContext().setJobDescription("phi3v " + runId + ": plan");
        Dataset<Row> work = manifest.rows().flatMap(
                new WorkPlanner(layout, registry, o.tasks(), revision, hadoopConf),
                Encoders.row(WorkSchema.withPassthrough(pass)));
        work.persist(StorageLevel.MEMORY_AND_DISK());
        long manifestRows = manifest.empty() ? 0 : manifest.rows().count();
        long planned = work.count();
        Dataset<Row> todo = work;
        if (o.mode() == WriteMode.SKIP_DONE && tableExists(spark, output)) {
            Dataset<Row> done = spark.read().schema(ResultSchema.SCHEMA).parquet(output)
                    .where(functions.col(ResultSchema.STATUS).equalTo(ResultSchema.ROW_OK))
                    .select(ResultSchema.REQUEST_KEY).distinct();
            todo = work.join(done, work.col(ResultSchema.REQUEST_KEY).equalTo(done.col(ResultSchema.REQUEST_KEY)),
                    "left_anti");
            todo.persist(StorageLevel.MEMORY_AND_DISK());
        }
        long toRun = todo == work ? planned : todo.count();
        log.accept(String.format("[phi3v] run %s: %d manifest rows, %d requests planned, %d already done, %d to run;"
                + " model %s (revision %s)", runId, manifestRows, planned, planned - toRun, toRun, modelShown,
                revision.substring(0, Math.min(12, revision.length()))));

        int partitions = (int) Math.max(1, Math.max(
                (toRun + settings.itemsPerPartition() - 1) / settings.itemsPerPartition(),
                Math.min(toRun, spark.sparkContext().defaultParallelism())));
        ProgressCounters counters = ProgressCounters.register(spark.sparkContext());
        boolean java8 = Boolean.parseBoolean(spark.conf().get("spark.sql.datetime.java8API.enabled", "false"));
        InferencePartition fn = new InferencePartition(o.model(),
                modelDir, revision, settings, hadoopConf,
                runId, runDate, counters, java8);
        Dataset<Row> results = todo.repartition(partitions)
                .mapPartitions(fn, Encoders.row(ResultSchema.withPassthrough(pass)));
        Dataset<Row> table = results.select(outputColumns(pass));

        spark.conf().set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS");
        CommitLeftovers.clear(spark.sparkContext().hadoopConfiguration(), output, log);
        spark.sparkContext().setJobDescription("phi3v " + runId + ": generate and write " + toRun + " rows");
        ProgressReporter progress = new ProgressReporter(spark.sparkContext(), counters, toRun,
                settings.progressIntervalSeconds(), log);
        try {
            table.write()
                    .mode(o.mode() == WriteMode.OVERWRITE ? SaveMode.Overwrite : SaveMode.Append)
                    .option("partitionOverwriteMode", "static")
                    .partitionBy(ResultSchema.TASK, ResultSchema.RUN_DATE)
                    .parquet(output);
        } catch (Exception e) {
            // Scala code throws checked IOExceptions too (a failed job commit), hence Exception.
            throw WriteFailure.of(output, e);
        } finally {
            progress.close();
            spark.sparkContext().setJobDescription(null);
            work.unpersist();
            todo.unpersist();
        }
        return summarize(spark, o, registry, usedTasks, runId, started, output, modelShown, revision,
                manifestRows, planned, planned - toRun, counters);
    }

    private static Column[] outputColumns(StructType pass) {
        List<Column> cols = new ArrayList<>();
        for (String c : ResultSchema.DATA.fieldNames()) {
            cols.add(functions.col(c));
        }
        if (pass != null) {
            for (String c : pass.fieldNames()) {
                cols.add(functions.col(ResultSchema.PASSTHROUGH + ".`" + c + "`").as(c));
            }
        }
        cols.add(functions.col(ResultSchema.TASK));
        cols.add(functions.col(ResultSchema.RUN_DATE));
        return cols.toArray(new Column[0]);
    }

    private static RunSummary summarize(SparkSession spark, RunOptions o, TaskRegistry registry, Set<String> tasks,
                                        String runId, Instant started, String output, String modelDir,
                                        String revision, long manifestRows, long planned, long skipped,
                                        ProgressCounters counters) {
        List<Row> groups = spark.read().schema(ResultSchema.SCHEMA).parquet(output)
                .where(functions.col(ResultSchema.RUN_ID).equalTo(runId))
                .groupBy(ResultSchema.TASK, ResultSchema.STATUS, "error_stage")
                .agg(functions.count(functions.lit(1)), functions.sum("prompt_tokens"), functions.sum("output_tokens"))
                .collectAsList();
        TreeMap<String, Long> byTask = new TreeMap<>();
        TreeMap<String, Long> byStage = new TreeMap<>();
        long rows = 0;
        long ok = 0;
        long promptTokens = 0;
        long outputTokens = 0;
        for (Row g : groups) {
            long n = g.getLong(3);
            rows += n;
            if (ResultSchema.ROW_OK.equals(g.getString(1))) {
                ok += n;
            } else {
                byStage.merge(g.isNullAt(2) ? "unknown" : g.getString(2), n, Long::sum);
            }
            byTask.merge(g.getString(0) + "\u0000" + g.getString(1), n, Long::sum);
            promptTokens += g.isNullAt(4) ? 0 : g.getLong(4);
            outputTokens += g.isNullAt(5) ? 0 : g.getLong(5);
        }
        List<RunSummary.TaskCount> taskCounts = new ArrayList<>();
        byTask.forEach((k, v) -> {
            String[] parts = k.split("\u0000", 2);
            taskCounts.add(new RunSummary.TaskCount(parts[0], parts[1], v));
        });
        List<RunSummary.StageCount> stageCounts = new ArrayList<>();
        byStage.forEach((k, v) -> stageCounts.add(new RunSummary.StageCount(k, v)));
        List<RunSummary.TaskSettings> settings = new ArrayList<>();
        for (String t : tasks) {
            TaskPreset p = registry.get(t);
            settings.add(new RunSummary.TaskSettings(p.name(), p.promptTemplate(), p.numCropsSingle(),
                    p.numCropsMulti(), p.generation().maxNewTokens(), p.generation().temperature(),
                    p.generation().topK(), p.generation().topP(), p.generation().seed(), p.output().id()));
        }
        Instant finished = Instant.now();
        double seconds = (finished.toEpochMilli() - started.toEpochMilli()) / 1000.0;
        double generateSeconds = counters.generateMillis().value() / 1000.0;
        Path summaryPath = new Path(new Path(output, RUNS_DIR), runId + ".json");
        RunSummary s = new RunSummary(runId, started.toString(), finished.toString(), seconds, o.input(), output,
                o.model(), revision, o.mode().id(), settings, manifestRows, planned, skipped, rows, ok, rows - ok,
                taskCounts, stageCounts, promptTokens, outputTokens,
                generateSeconds > 0 ? outputTokens / generateSeconds : 0.0, counters.modelCalls().value(),
                counters.modelLoads().value(), summaryPath.toString());
        writeText(spark, summaryPath, toJson(s));
        return s;
    }

    public static String toJson(RunSummary s) {
        return GSON.toJson(s);
    }

    private static void writeText(SparkSession spark, Path path, String text) {
        try {
            FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
            try (OutputStream out = fs.create(path, true)) {
                out.write(text.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write run summary " + path, e);
        }
    }

    private static boolean tableExists(SparkSession spark, String output) {
        try {
            Path p = new Path(output);
            return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check output " + output, e);
        }
    }

    private static String qualified(SparkSession spark, String output) {
        try {
            Path p = new Path(output);
            return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).makeQualified(p).toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve output " + output, e);
        }
    }

    /** Only local model directories for now; the error says what to do with a remote one. */
    static java.nio.file.Path localModelDir(String model) {
        String m = model.startsWith("file:") ? java.net.URI.create(model).getPath() : model;
        if (m.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
            throw new IllegalArgumentException("model " + model + ": only local model directories are supported;"
                    + " copy the snapshot to local disk on every node");
        }
        java.nio.file.Path dir = java.nio.file.Path.of(m).toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new IllegalArgumentException("model directory " + dir + " has no config.json (expected a"
                    + " microsoft/Phi-3.5-vision-instruct snapshot)");
        }
        return dir;
    }

    static String newRunId(Instant t) {
        byte[] rnd = new byte[3];
        ThreadLocalRandom.current().nextBytes(rnd);
        return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(t) + "-"
                + HexFormat.of().formatHex(rnd);
    }
}
