package org.phi3vspark.udf;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import org.phi3vspark.model.generate.json.TokenVocabulary;
import org.phi3vspark.udf.conf.Phi3vConf;
import org.phi3vspark.udf.conf.SerializableHadoopConf;
import org.phi3vspark.udf.exec.InferencePartition;
import org.phi3vspark.udf.exec.ProgressCounters;
import org.phi3vspark.udf.plan.ManifestLayout;
import org.phi3vspark.udf.plan.WorkPlanner;
import org.phi3vspark.udf.row.ResultRow;
import org.phi3vspark.udf.row.ResultSchema;
import org.phi3vspark.udf.row.ResultTable;
import org.phi3vspark.udf.row.RowLayout;
import org.phi3vspark.udf.row.WorkSchema;
import org.phi3vspark.udf.snapshot.ModelRef;
import org.phi3vspark.udf.task.TaskPreset;
import org.phi3vspark.udf.task.TaskRegistry;

/**
 * The pipeline, defined once and used by {@code phi3v run}, the ML {@link Phi3vTransformer} and anything later:
 *
 * <ol>
 *   <li>{@link #plan}: manifest rows → work rows (one per row and task; URIs stat-ed once, content and request
 *       keys, the row's conversation checked), after checking the manifest against the tasks on the driver;</li>
 *   <li>{@link #withoutDone}: drop the requests that already have an ok row in a results table;</li>
 *   <li>{@link #grouped}: spread the work over partitions, the tasks of an item together;</li>
 *   <li>{@link #infer}: work rows → result rows, in {@code mapPartitions} on the executors.</li>
 * </ol>
 *
 * All are lazy Spark plans; nothing runs until the caller writes or collects the result.
 *
 * @param model    which model, resolved on the driver ({@link ModelRef#resolve})
 * @param tasks    the task presets, custom tasks and per-run overrides included
 * @param settings the spark.phi3v.* executor settings, validated
 */
public record Phi3vPipeline(SparkSession spark, ModelRef model, TaskRegistry tasks, Phi3vConf.Settings settings) {

    /**
     * The pipeline for the session's settings, checking them and resolving the model first. Settings are read from
     * the session's conf: what the application was started with (spark-defaults, --conf) and what it set since
     * ({@code spark.conf.set("spark.phi3v.maxRunning", "8")} in a notebook).
     */
    public static Phi3vPipeline of(SparkSession spark, String model, TaskRegistry tasks) {
        Phi3vConf.Settings settings = Phi3vConf.from(new SparkConf(false).setAll(spark.conf().getAll()));
        return new Phi3vPipeline(spark, ModelRef.resolve(model, spark.sparkContext().hadoopConfiguration()), tasks,
                settings);
    }

    /**
     * Planned work: the rows ({@link WorkSchema}, plus the passthrough struct when {@code passthrough} is set),
     * which tasks they use and the result columns those tasks make.
     *
     * @param rowsWithoutTask whether some manifest rows have no task value (they get the default tasks)
     */
    public record Plan(Dataset<Row> work, StructType passthrough, Set<String> tasksUsed, boolean rowsWithoutTask,
                       ResultTable table) {

        public Plan withWork(Dataset<Row> rows) {
            return new Plan(rows, passthrough, tasksUsed, rowsWithoutTask, table);
        }
    }

    /**
     * Checks the manifest against the tasks (every task value known, every placeholder a column; one distinct query
     * over the task column), and that constrained decoding can finish every schema task's answer within its
     * max_new_tokens (the model's tokenizer is read for that), then plans one work row per manifest row and task.
     *
     * @param defaultTasks tasks for rows without a task value
     */
    public Plan plan(Dataset<Row> manifest, ManifestLayout layout, List<String> defaultTasks) {
        for (String t : defaultTasks) {
            tasks.get(t);
        }
        Set<String> used = new LinkedHashSet<>(defaultTasks);
        boolean rowsWithoutTask = !layout.task();
        if (layout.task()) {
            for (Row r : manifest.select(functions.col(ManifestLayout.TASK)).distinct().collectAsList()) {
                if (r.isNullAt(0)) {
                    rowsWithoutTask = true;
                    continue;
                }
                String t = r.getString(0).trim();
                if (!tasks.has(t)) {
                    throw new IllegalArgumentException("manifest " + layout.source() + ": column task has value '" + t
                            + "', which is not a known task " + tasks.names());
                }
                used.add(t);
            }
        }
        List<TaskPreset> presets = used.stream().map(tasks::get).toList();
        for (TaskPreset t : presets) {
            layout.checkPlaceholders(t.name(), t.placeholders());
        }
        checkTokenBudgets(presets);
        StructType passthrough = layout.passthroughType(manifest.schema());
        SerializableHadoopConf hadoop = new SerializableHadoopConf(spark.sparkContext().hadoopConfiguration());
        Dataset<Row> work = manifest.flatMap(new WorkPlanner(layout, tasks, defaultTasks, model.revision(),
                settings.constrainedDecoding(), settings.video(), hadoop), Encoders.row(WorkSchema.LAYOUT.schema(passthrough)));
        return new Plan(work, passthrough, used, rowsWithoutTask, ResultTable.of(presets));
    }

    private void checkTokenBudgets(List<TaskPreset> presets) {
        List<TaskPreset> constrained = presets.stream().filter(t -> t.schema() != null).toList();
        if (!settings.constrainedDecoding() || constrained.isEmpty()) {
            return;
        }
        TokenVocabulary vocabulary = model.vocabulary(spark.sparkContext().hadoopConfiguration());
        for (TaskPreset t : constrained) {
            t.checkTokenBudget(vocabulary);
        }
    }

    /**
     * The plan without the requests whose request_key already has an ok row in {@code results} (rows of a results
     * table, in whatever format it is stored).
     */
    public Plan withoutDone(Plan plan, Dataset<Row> results) {
        String key = ResultSchema.REQUEST_KEY.name();
        Dataset<Row> done = results
                .where(functions.col(ResultSchema.STATUS.name()).equalTo(ResultRow.OK))
                .select(key).distinct();
        Dataset<Row> work = plan.work();
        return plan.withWork(work.join(done, work.col(key).equalTo(done.col(key)), "left_anti"));
    }

    /**
     * The plan's work in {@code partitions} Spark partitions with every task of an item in the same partition, next
     * to each other (range partitioning on the content key, then sorted within each partition): the engine then
     * runs the item's images through the vision tower once and prefills the prompt they share once.
     */
    public Plan grouped(Plan plan, int partitions) {
        Column key = functions.col(WorkSchema.CONTENT_KEY.name());
        return plan.withWork(plan.work().repartitionByRange(partitions, key)
                .sortWithinPartitions(key, functions.col(WorkSchema.ITEM_ID.name())));
    }

    /**
     * Result rows ({@link ResultTable}: the fixed columns, the json columns, the passthrough struct), one per work
     * row.
     *
     * @param counters accumulators for progress, or null
     */
    public Dataset<Row> infer(Plan plan, String runId, LocalDate runDate, ProgressCounters counters) {
        boolean java8 = Boolean.parseBoolean(spark.conf().get("spark.sql.datetime.java8API.enabled", "false"));
        InferencePartition fn = new InferencePartition(model, settings,
                new SerializableHadoopConf(spark.sparkContext().hadoopConfiguration()), tasks, plan.table(), runId,
                runDate, counters, java8);
        return plan.work().mapPartitions(fn, Encoders.row(plan.table().schema(plan.passthrough())));
    }

    /** The passthrough struct's fields as top-level columns, under their manifest names. */
    public static List<Column> passthroughColumns(StructType passthrough) {
        List<Column> cols = new ArrayList<>();
        if (passthrough != null) {
            for (String c : passthrough.fieldNames()) {
                cols.add(functions.col(RowLayout.PASSTHROUGH + ".`" + c + "`").as(c));
            }
        }
        return cols;
    }
}
