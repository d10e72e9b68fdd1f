package org.phi3vspark.jobs;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.phi3vspark.udf.Phi3vPipeline;
import org.phi3vspark.udf.conf.Phi3vConf;
import org.phi3vspark.udf.conf.TableFormat;
import org.phi3vspark.udf.exec.ModelFailedException;
import org.phi3vspark.udf.exec.ProgressCounters;
import org.phi3vspark.udf.plan.ManifestLayout;
import org.phi3vspark.udf.row.ResultRow;
import org.phi3vspark.udf.row.ResultSchema;
import org.phi3vspark.udf.row.ResultTable;
import org.phi3vspark.udf.snapshot.ModelRef;
import org.phi3vspark.udf.task.TaskPreset;
import org.phi3vspark.udf.task.TaskRegistry;

/**
 * The batch job: read and check the manifest, plan one request per item and task, drop requests already done,
 * run the partition function, write the results table (Parquet or Delta, see {@link ResultsTable}), then count
 * what was written into the run summary. Everything that can be wrong with the configuration or the manifest is
 * checked before the first executor task.
 */
public final class RunJob {

    /** Folder inside the table for run summaries; the underscore hides it from Spark readers. */
    public static final String RUNS_DIR = "_phi3v_runs";

    private static final Pattern LIKELY_IMAGE_COLUMN = Pattern.compile("(?i)uri|url|path|file|image|img");

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting()
            .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES).create();

    private RunJob() {
    }

    public static RunSummary run(SparkSession spark, RunOptions o, Consumer<String> log) {
        Instant started = Instant.now();
        String runId = o.runId() != null ? o.runId() : newRunId(started);
        LocalDate runDate = LocalDate.ofInstant(started, ZoneOffset.UTC);

        TaskRegistry registry = o.registry();
        if (!o.overrides().isEmpty()) {
            for (TaskPreset p : registry.all()) {
                registry = registry.withTask(p.with(o.overrides()));
            }
        }
        // Settings, model (for a remote snapshot only its headers are read here) and tasks, before any executor.
        Phi3vPipeline pipeline = Phi3vPipeline.of(spark, o.model(), registry);
        ModelRef model = pipeline.model();
        // Read like the pipeline's settings: from the session's conf, so a notebook's spark.conf.set counts too.
        TableFormat format = o.tableFormat() != null ? o.tableFormat()
                : Phi3vConf.TABLE_FORMAT.read(new SparkConf(false).setAll(spark.conf().getAll()));
        String output = qualified(spark, o.output());
        ResultsTable resultsTable = ResultsTable.forWriting(spark, output, format);

        Manifest manifest = ManifestReader.read(spark, o.input(), o.inputFormat());
        ManifestLayout layout;
        try {
            RunOptions.MediaColumn media = o.media();
            StructType schema = manifest.rows().schema();
            layout = media != null && media.video()
                    ? ManifestLayout.ofVideos(schema, media.name(), o.passthrough(), manifest.baseDir(), manifest.source())
                    : ManifestLayout.of(schema, media == null ? null : media.name(), o.passthrough(), manifest.baseDir(),
                            manifest.source());
        } catch (ManifestLayout.NoImageColumnException e) {
            throw new IllegalArgumentException(e.getMessage() + "; name the column that holds the image URIs with"
                    + " --image-column" + imageColumnGuess(manifest.rows().schema()) + " (or the videos' with"
                    + " --video-column)", e);
        }
        Phi3vPipeline.Plan plan = pipeline.plan(manifest.rows(), layout, o.tasks());
        List<String> resultColumns = new ArrayList<>(ResultSchema.columnNames());
        resultColumns.addAll(plan.table().jsonColumnNames());
        for (String col : o.passthrough()) {
            if (resultColumns.contains(col)) {
                throw new IllegalArgumentException("passthrough column " + col + " of manifest " + manifest.source()
                        + " has the name of a result column; rename it in the manifest");
            }
        }
        // Rows without a task value get every task of --tasks: with none, they would silently yield no rows.
        if (o.tasks().isEmpty() && plan.rowsWithoutTask() && !manifest.empty()) {
            throw new IllegalArgumentException("--tasks is empty, but manifest " + manifest.source() + " has rows"
                    + (layout.task() ? " with no task value" : "") + "; name at least one task, e.g. --tasks caption");
        }

        spark.sparkContext().setJobDescription("phi3v " + runId + ": plan");
        Dataset<Row> work = plan.work();
        work.persist(StorageLevel.MEMORY_AND_DISK());
        long manifestRows = manifest.empty() ? 0 : manifest.rows().count();
        long planned = work.count();
        Phi3vPipeline.Plan todo = plan;
        if (o.mode() == WriteMode.SKIP_DONE && resultsTable.exists()) {
            checkJsonColumns(plan.table(), resultsTable);
            todo = pipeline.withoutDone(plan, resultsTable.read(ResultSchema.SCHEMA));
            todo.work().persist(StorageLevel.MEMORY_AND_DISK());
        }
        long toRun = todo == plan ? planned : todo.work().count();
        log.accept(String.format("[phi3v] run %s: %d manifest rows, %d requests planned, %d already done, %d to run;"
                + " model %s (revision %s)", runId, manifestRows, planned, planned - toRun, toRun, model.shown(),
                model.shortRevision()));

        int partitions = (int) Math.max(1, Math.max(
                (toRun + pipeline.settings().itemsPerPartition() - 1) / pipeline.settings().itemsPerPartition(),
                Math.min(toRun, spark.sparkContext().defaultParallelism())));
        ProgressCounters counters = ProgressCounters.register(spark.sparkContext());
        Dataset<Row> results = pipeline.infer(pipeline.grouped(todo, partitions), runId, runDate, counters);
        Dataset<Row> table = results.select(outputColumns(plan.table(), plan.passthrough()));

        // Both formats store Parquet data files; created_at as the standard micros type (conf/results.avsc).
        spark.conf().set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS");
        spark.sparkContext().setJobDescription("phi3v " + runId + ": generate and write " + toRun + " rows");
        ProgressReporter progress = new ProgressReporter(spark.sparkContext(), counters, toRun,
                pipeline.settings().progressIntervalSeconds(), log);
        ResultsTable.Commit commit;
        try {
            commit = resultsTable.write(table, o.mode(), runId, log);
        } catch (Exception e) {
            // Scala code throws checked IOExceptions too (a failed job commit), hence Exception.
            throw ModelFailedException.findIn(e)
                    .<RuntimeException>map(cause -> new ModelFailedException("run " + runId + " stopped because the"
                            + " model failed, not the input; no row of this run was written. " + cause, e))
                    .orElseGet(() -> WriteFailure.of(resultsTable, e));
        } finally {
            progress.close();
            spark.sparkContext().setJobDescription(null);
            work.unpersist();
            todo.work().unpersist();
        }
        return summarize(spark, o, registry, plan.tasksUsed(), pipeline.settings().constrainedDecoding(), runId,
                started, resultsTable, commit, model.revision(), manifestRows, planned, planned - toRun, counters);
    }

    /** An example for the hint: the first string column whose name suggests file locations, if any. */
    private static String imageColumnGuess(StructType schema) {
        for (StructField f : schema.fields()) {
            if (f.dataType() instanceof StringType && LIKELY_IMAGE_COLUMN.matcher(f.name()).find()) {
                return ", e.g. --image-column " + f.name();
            }
        }
        return "";
    }

    /**
     * A run with json tasks appends only if each json column keeps a type the table's schema can be merged with:
     * Parquet readers merge the files' schemas, Delta merges the run's into the table's when it writes (and fails
     * the write, after every request ran, on a type change). For Parquet the schema comes from the footers of the
     * table's files (one Spark job), for Delta from its log; runs without json tasks skip it.
     */
    private static void checkJsonColumns(ResultTable resultTable, ResultsTable table) {
        if (resultTable.json().isEmpty()) {
            return;
        }
        StructType existing;
        try {
            existing = table.schema();
        } catch (Exception e) {
            // Spark's AnalysisException and SparkException are undeclared checked exceptions in Java's eyes.
            throw new IllegalArgumentException("results table " + table.path() + ": "
                    + (table.format() == TableFormat.PARQUET ? "its files' schemas cannot be merged"
                    : "its schema cannot be read") + " (" + e.getMessage() + "); write to another table", e);
        }
        resultTable.checkAppendableTo(existing, table.path());
    }

    /** The data files' columns: the fixed ones, the run's json columns, the passthrough ones; then partitions. */
    private static Column[] outputColumns(ResultTable resultTable, StructType pass) {
        List<Column> cols = new ArrayList<>();
        for (String c : ResultSchema.DATA.fieldNames()) {
            cols.add(functions.col(c));
        }
        for (String c : resultTable.jsonColumnNames()) {
            cols.add(functions.col(c));
        }
        cols.addAll(Phi3vPipeline.passthroughColumns(pass));
        for (String c : ResultSchema.PARTITION_COLUMNS) {
            cols.add(functions.col(c));
        }
        return cols.toArray(new Column[0]);
    }

    private static RunSummary summarize(SparkSession spark, RunOptions o, TaskRegistry registry, Set<String> tasks,
                                        boolean constrainedDecoding, String runId, Instant started,
                                        ResultsTable results, ResultsTable.Commit commit, String revision,
                                        long manifestRows, long planned, long skipped, ProgressCounters counters) {
        String output = results.path();
        List<Row> groups = commit.rows()
                .where(functions.col(ResultSchema.RUN_ID.name()).equalTo(runId))
                .groupBy(ResultSchema.TASK.name(), ResultSchema.STATUS.name(), ResultSchema.ERROR_STAGE.name())
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
            if (ResultRow.OK.equals(g.getString(1))) {
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
            boolean schema = p.schema() != null;
            settings.add(new RunSummary.TaskSettings(p.name(), p.promptTemplate(), p.numCropsSingle(),
                    p.numCropsMulti(), p.generation().maxNewTokens(), p.generation().temperature(),
                    p.generation().topK(), p.generation().topP(), p.generation().seed(), p.output().id(),
                    schema ? JsonParser.parseString(p.schema().json()) : null, schema ? constrainedDecoding : null));
        }
        Instant finished = Instant.now();
        double seconds = (finished.toEpochMilli() - started.toEpochMilli()) / 1000.0;
        double generateSeconds = counters.generateMillis().value() / 1000.0;
        Path summaryPath = new Path(new Path(output, RUNS_DIR), runId + ".json");
        RunSummary s = new RunSummary(runId, started.toString(), finished.toString(), seconds, o.input(), output,
                results.format().id(), commit.version(), o.model(), revision, o.mode().id(), settings, manifestRows,
                planned, skipped, rows, ok, rows - ok, taskCounts, stageCounts, promptTokens,
                counters.reusedPromptTokens().value(), outputTokens,
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

    private static String qualified(SparkSession spark, String output) {
        try {
            Path p = new Path(output);
            return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).makeQualified(p).toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve output " + output, e);
        }
    }

    static String newRunId(Instant t) {
        byte[] rnd = new byte[3];
        ThreadLocalRandom.current().nextBytes(rnd);
        return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(t) + "-"
                + HexFormat.of().formatHex(rnd);
    }
}
