package org.phi3vspark.udf;

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
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import org.phi3vspark.model.generate.GenerationOverrides;
import org.phi3vspark.udf.plan.ManifestLayout;
import org.phi3vspark.udf.row.ResultSchema;
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
            "finish_reason", "closed_early", "prompt_tokens", "image_tokens", "output_tokens", "latency_ms",
            "read_ms", "image_decode_ms", "preprocess_ms", "prefill_ms", "decode_ms", "model_revision", "num_crops",
            "generation", "image_sizes", "frame_timestamps", "caption", "ocr", "chart");

    private final String uid;
    private final Param<String> model;
    private final Param<String> task;
    private final Param<String> prompt;
    private final Param<String> imageCol;
    private final Param<String> videoCol;
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
        model = new Param<>(this, "model", "Phi-3.5-vision snapshot: a local directory or a Hadoop URI (s3a://...)");
        task = new Param<>(this, "task", "caption, ocr, chart, or a custom name (then set prompt)");
        prompt = new Param<>(this, "prompt", "prompt template with {column} placeholders; overrides the preset's");
        imageCol = new Param<>(this, "imageCol", "column holding one image URI (string) or several (array)");
        videoCol = new Param<>(this, "videoCol", "column holding one video URI (string) per row, instead of"
                + " imageCol: its sampled frames (spark.phi3v.videoFrames ...) are the row's images");
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

    public Param<String> videoCol() {
        return videoCol;
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

    public Phi3vTransformer setVideoCol(String v) {
        set(videoCol, v);
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
        return base.with(new TaskOverrides(p, (Integer) orNull(numCrops), null, new GenerationOverrides(
                (Integer) orNull(maxNewTokens), (Double) orNull(temperature), (Integer) orNull(topK),
                (Double) orNull(topP), (Long) orNull(seed)), null, null));
    }

    /** The param's value, boxed (Scala numeric params are Param&lt;Object&gt; in Java), or null when unset. */
    private Object orNull(Param<?> param) {
        return isDefined(param) ? $(param) : null;
    }

    /**
     * The pipeline's plan and infer over the dataset's rows, for the one task the params describe; every input
     * column is carried through. A conversation column {@code messages} is used as in a manifest.
     */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        TaskPreset preset = preset();
        Phi3vPipeline pipeline = Phi3vPipeline.of(dataset.sparkSession(), $(model),
                TaskRegistry.builtIn().withTask(preset));
        StructType in = dataset.schema();
        if (isSet(imageCol) && isDefined(videoCol)) {
            throw new IllegalArgumentException("set imageCol or videoCol, not both (a row's images are its image"
                    + " files or its video's frames)");
        }
        List<String> passthrough = Arrays.asList(in.fieldNames());
        ManifestLayout layout = (isDefined(videoCol)
                ? ManifestLayout.ofVideos(in, $(videoCol), passthrough, null, "transform input")
                : ManifestLayout.of(in, $(imageCol), passthrough, null, "transform input")).withoutTaskColumn();
        Phi3vPipeline.Plan plan = pipeline.plan(dataset.toDF(), layout, List.of(preset.name()));
        Dataset<Row> results = pipeline.infer(plan, "transform-" + uid, LocalDate.now(ZoneOffset.UTC), null);
        List<Column> cols = new ArrayList<>(Phi3vPipeline.passthroughColumns(plan.passthrough()));
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
            out = out.add(ResultSchema.SCHEMA.apply(c));
        }
        return out;
    }

    @Override
    public Phi3vTransformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
