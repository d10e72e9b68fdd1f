package org.phi3vspark.udf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.phi3vspark.model.io.Checkpoint;
import org.phi3vspark.udf.cache.ModelCache;
import org.phi3vspark.udf.task.OutputKind;
import org.phi3vspark.udf.task.TaskOverrides;
import org.phi3vspark.udf.task.TaskPreset;
import org.phi3vspark.udf.task.TaskRegistry;

/**
 * Spark ML Transformer for other Spark applications (Java, Scala, PySpark through py4j): set the model
 * directory, a task (a preset, or any name with a prompt) and settings; {@code transform(df)} keeps every input
 * column and appends the result columns listed in {@link #OUTPUT_COLUMNS}. Executor settings come from the
 * session's spark.phi3v.* conf.
 */
public final class Phi3vTransformer extends Transformer {

    /** Result columns appended to the input, in this order. */
    public static final List<String> OUTPUT_COLUMNS = List.of("response", "status", "error", "error_stage",
            "finish_reason", "prompt_tokens", "image_tokens", "output_tokens", "latency_ms", "model_revision",
            "num_crops", "generation", "image_sizes", "caption", "ocr", "chart");

    private final String uid;
    private final Param<String> model;
    private final Param<String> task;
    private final Param<String> prompt;
    private final Param<String> imageCol;
    private final IntParam numCrops;
    private final IntParam maxNewTokens;
    private final DoubleParam temperature;
    private final IntParam topK;
    private final DoubleParam topP;
    private final LongParam seed;

    public Phi3vTransformer() {
        this(Identifiable.randomUID("phi3v"));
    }

    public Phi3vTransformer(String uid) {
        this.uid = uid;
        model = new Param<>(this, "model", "local directory of the Phi-3.5-vision checkpoint");
        task = new Param<>(this, "task", "caption, ocr, chart, or a custom name (then set prompt)");
        prompt = new Param<>(this, "prompt", "prompt template with {column} placeholders; overrides the preset's");
        imageCol = new Param<>(this, "imageCol", "column holding one image URI (string) or several (array)");
        numCrops = new IntParam(this, "numCrops", "HD crop budget per image");
        maxNewTokens = new IntParam(this, "maxNewTokens", "maximum generated tokens");
        temperature = new DoubleParam(this, "temperature", "sampling temperature, 0 = greedy");
        topK = new IntParam(this, "topK", "top-k sampling, 0 = off");
        topP = new DoubleParam(this, "topP", "nucleus sampling threshold");
        seed = new LongParam(this, "seed", "sampling seed");
        setDefault(task, "caption");
        setDefault(imageCol, "image_uri");
    }

    /** Spark ML finds params through public no-argument methods. */
    public Param<String> model() {
        return model;
    }

    public Param<String> task() {
        return task;
    }

    public Param<String> prompt() {
        return prompt;
    }

    public Param<String> imageCol() {
        return imageCol;
    }

    public IntParam numCrops() {
        return numCrops;
    }

    public IntParam maxNewTokens() {
        return maxNewTokens;
    }

    public DoubleParam temperature() {
        return temperature;
    }

    public IntParam topK() {
        return topK;
    }

    public DoubleParam topP() {
        return topP;
    }

    public LongParam seed() {
        return seed;
    }

    @Override
    public String uid() {
        return uid;
    }

    public Phi3vTransformer setModel(String v) {
        set(model, v);
        return this;
    }

    public Phi3vTransformer setTask(String v) {
        set(task, v);
        return this;
    }

    public Phi3vTransformer setPrompt(String v) {
        set(prompt, v);
        return this;
    }

    public Phi3vTransformer setImageCol(String v) {
        set(imageCol, v);
        return this;
    }

    public Phi3vTransformer setNumCrops(int v) {
        set(numCrops, v);
        return this;
    }

    public Phi3vTransformer setMaxNewTokens(int v) {
        set(maxNewTokens, v);
        return this;
    }

    public Phi3vTransformer setTemperature(double v) {
        set(temperature, v);
        return this;
    }

    public Phi3vTransformer setTopK(int v) {
        set(topK, v);
        return this;
    }

    public Phi3vTransformer setTopP(double v) {
        set(topP, v);
        return this;
    }

    public Phi3vTransformer setSeed(long v) {
        set(seed, v);
        return this;
    }

    /** The preset the params describe. */
    public TaskPreset preset() {
        TaskRegistry registry = TaskRegistry.builtIn();
        String name = $(task);
        String p = isDefined(prompt) ? $(prompt) : null;
        TaskPreset base;
        if (registry.has(name)) {
            base = registry.get(name);
        } else if (p != null) {
            base = TaskPreset.custom(name, p);
        } else {
            throw new IllegalArgumentException("task '" + name + "' is not a preset " + registry.names()
                    + "; set prompt to define it");
        }
        return base.with(new TaskOverrides(p, (Integer) orNull(numCrops), null, (Integer) orNull(maxNewTokens),
                (Double) orNull(temperature), (Integer) orNull(topK), (Double) orNull(topP), (Long) orNull(seed),
                (OutputKind) null));
    }

    /** The param's value, boxed (Scala numeric params are Param&lt;Object&gt; in Java), or null when unset. */
    private Object orNull(Param<?> param) {
        return isDefined(param) ? $(param) : null;
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        SparkSession spark = dataset.sparkSession();
        String dir = $(model);
        // Only the revision is needed here: for a remote snapshot (s3a://...) it is read from the headers, and the
        // executors copy the weights into their model caches.
        String revision;
        if (ModelCache.isRemote(dir)) {
            revision = ModelCache.revision(dir, spark.sparkContext().hadoopConfiguration());
        } else {
            Path local = ModelCache.localDir(dir, spark.sparkContext().hadoopConfiguration());
            if (!Files.isRegularFile(local.resolve("config.json"))) {
                throw new IllegalArgumentException("model directory " + dir + " has no config.json");
            }
            try (Checkpoint ckpt = Checkpoint.open(local)) {
                revision = ckpt.revision();
            }
        }
        TaskPreset preset = preset();
        StructType in = dataset.schema();
        ManifestLayout layout = ManifestLayout.of(in, $(imageCol), Arrays.asList(in.fieldNames()), null,
                "transform input").withoutTaskColumn();
        layout.checkPlaceholders(preset.name(), preset.placeholders());
        SerializableHadoopConf conf = new SerializableHadoopConf(spark.sparkContext().hadoopConfiguration());
        StructType pass = layout.passthroughType(in);
        Dataset<Row> work = dataset.toDF().flatMap(
                new WorkPlanner(layout, TaskRegistry.builtIn().withTask(preset), List.of(preset.name()), revision,
                        conf),
                Encoders.row(WorkSchema.withPassthrough(pass)));
        boolean java8 = Boolean.parseBoolean(spark.conf().get("spark.sql.datetime.java8API.enabled", "false"));
        InferencePartition fn = new InferencePartition(dir, dir, revision,
                Phi3vConf.from(spark.sparkContext().getConf()), conf, "transform-" + uid,
                LocalDate.now(ZoneOffset.UTC), null, java8);
        Dataset<Row> results = work.mapPartitions(fn, Encoders.row(ResultSchema.withPassthrough(pass)));
        List<Column> cols = new ArrayList<>();
        for (String c : in.fieldNames()) {
            cols.add(functions.col(ResultSchema.PASSTHROUGH + ".`" + c + "`").as(c));
        }
        for (String c : OUTPUT_COLUMNS) {
            cols.add(functions.col(c));
        }
        return results.select(cols.toArray(new Column[0]));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        StructType out = schema;
        for (String c : OUTPUT_COLUMNS) {
            if (Arrays.asList(schema.fieldNames()).contains(c)) {
                throw new IllegalArgumentException("input already has a column named " + c
                        + ", which the transformer adds; rename or drop it first");
            }
            StructField f = ResultSchema.SCHEMA.fields()[ResultSchema.SCHEMA.fieldIndex(c)];
            out = out.add(f);
        }
        return out;
    }

    @Override
    public Phi3vTransformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
