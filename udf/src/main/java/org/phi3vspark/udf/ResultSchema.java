package org.phi3vspark.udf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.phi3vspark.udf.task.ChartResult;
import org.phi3vspark.udf.task.GenerationSettings;
import org.phi3vspark.udf.task.OcrResult;
import org.phi3vspark.udf.task.ParsedOutput;

/**
 * The results table schema (documented in conf/SCHEMA.md, mirrored by conf/results.avsc). Field order is the
 * order in the Parquet files; {@code task} and {@code run_date} are the partition columns and come last.
 */
public final class ResultSchema {

    public static final String TASK = "task";
    public static final String RUN_DATE = "run_date";
    public static final String STATUS = "status";
    public static final String REQUEST_KEY = "request_key";
    public static final String RUN_ID = "run_id";
    /** The status value of successful rows. */
    public static final String ROW_OK = ResultRow.OK;
    /** Column that carries manifest columns through the partition function before they are flattened. */
    public static final String PASSTHROUGH = "__passthrough";

    public static final StructType GENERATION = new StructType(new StructField[] {
        field("max_new_tokens", DataTypes.IntegerType),
        field("temperature", DataTypes.DoubleType),
        field("top_k", DataTypes.IntegerType),
        field("top_p", DataTypes.DoubleType),
        field("seed", DataTypes.LongType)});

    public static final StructType IMAGE_SIZE = new StructType(new StructField[] {
        field("width", DataTypes.IntegerType),
        field("height", DataTypes.IntegerType)});

    public static final StructType OCR = new StructType(new StructField[] {
        field("text", DataTypes.StringType),
        field("lines", DataTypes.createArrayType(DataTypes.StringType))});

    public static final StructType CHART_POINT = new StructType(new StructField[] {
        field("x", DataTypes.StringType),
        field("y", DataTypes.DoubleType)});

    public static final StructType CHART_SERIES = new StructType(new StructField[] {
        field("name", DataTypes.StringType),
        field("points", DataTypes.createArrayType(CHART_POINT))});

    public static final StructType CHART = new StructType(new StructField[] {
        field("chart_type", DataTypes.StringType),
        field("title", DataTypes.StringType),
        field("x_label", DataTypes.StringType),
        field("y_label", DataTypes.StringType),
        field("series", DataTypes.createArrayType(CHART_SERIES)),
        field("parse_error", DataTypes.StringType)});

    /** Columns inside the Parquet files, in order. */
    public static final StructType DATA = new StructType(new StructField[] {
        field(RUN_ID, DataTypes.StringType),
        field("item_id", DataTypes.StringType),
        field("image_uris", DataTypes.createArrayType(DataTypes.StringType)),
        field("prompt", DataTypes.StringType),
        field("response", DataTypes.StringType),
        field(STATUS, DataTypes.StringType),
        field("error", DataTypes.StringType),
        field("error_stage", DataTypes.StringType),
        field("finish_reason", DataTypes.StringType),
        field("prompt_tokens", DataTypes.IntegerType),
        field("image_tokens", DataTypes.IntegerType),
        field("output_tokens", DataTypes.IntegerType),
        field("latency_ms", DataTypes.LongType),
        field("model", DataTypes.StringType),
        field("model_revision", DataTypes.StringType),
        field("num_crops", DataTypes.IntegerType),
        field("generation", GENERATION),
        field("image_sizes", DataTypes.createArrayType(IMAGE_SIZE)),
        field("content_key", DataTypes.StringType),
        field(REQUEST_KEY, DataTypes.StringType),
        field("device", DataTypes.StringType),
        field("created_at", DataTypes.TimestampType),
        field("caption", DataTypes.StringType),
        field("ocr", OCR),
        field("chart", CHART)});

    /** The full table schema: data columns then the partition columns. */
    public static final StructType SCHEMA = DATA
            .add(field(TASK, DataTypes.StringType))
            .add(field(RUN_DATE, DataTypes.DateType));

    private ResultSchema() {
    }

    /** The schema the partition function emits: the table schema plus, when present, the passthrough struct. */
    public static StructType withPassthrough(StructType passthrough) {
        return passthrough == null ? SCHEMA : SCHEMA.add(new StructField(PASSTHROUGH, passthrough, true,
                org.apache.spark.sql.types.Metadata.empty()));
    }

    public static List<String> columnNames() {
        return Arrays.asList(SCHEMA.fieldNames());
    }

    /**
     * @param java8Time whether the session uses java.time for dates and timestamps
     *                  ({@code spark.sql.datetime.java8API.enabled}); the row encoder expects that type.
     */
    public static Row toRow(ResultRow r, Row passthrough, boolean java8Time) {
        WorkItem w = r.item();
        ParsedOutput p = r.parsed() == null ? ParsedOutput.NONE : r.parsed();
        List<Object> v = new ArrayList<>(SCHEMA.size() + 1);
        v.add(r.runId());
        v.add(w.itemId());
        v.add(scalaSeq(w.imageUris()));
        v.add(w.prompt());
        v.add(r.response());
        v.add(r.status());
        v.add(r.error());
        v.add(r.errorStage() == null ? null : r.errorStage().id());
        v.add(r.finishReason());
        v.add(r.promptTokens());
        v.add(r.imageTokens());
        v.add(r.outputTokens());
        v.add(r.latencyMs());
        v.add(r.model());
        v.add(r.modelRevision());
        v.add(w.numCrops());
        v.add(generationRow(w.generation()));
        v.add(r.imageSizes() == null ? null : scalaSeq(r.imageSizes().stream()
                .map(s -> s == null ? null : RowFactory.create(s.width(), s.height())).toList()));
        v.add(w.contentKey());
        v.add(w.requestKey());
        v.add(r.device());
        v.add(r.createdAt() == null ? null : java8Time ? r.createdAt() : java.sql.Timestamp.from(r.createdAt()));
        v.add(p.caption());
        v.add(ocrRow(p.ocr()));
        v.add(chartRow(p.chart()));
        v.add(w.task());
        v.add(r.runDate() == null ? null : java8Time ? r.runDate() : java.sql.Date.valueOf(r.runDate()));
        if (passthrough != null) {
            v.add(passthrough);
        }
        return RowFactory.create(v.toArray());
    }

    public static Row generationRow(GenerationSettings g) {
        return g == null ? null : RowFactory.create(g.maxNewTokens(), g.temperature(), g.topK(), g.topP(), g.seed());
    }

    public static GenerationSettings generationOf(Row r) {
        return new GenerationSettings(r.getInt(0), r.getDouble(1), r.getInt(2), r.getDouble(3), r.getLong(4));
    }

    private static Row ocrRow(OcrResult o) {
        return o == null ? null : RowFactory.create(o.text(), scalaSeq(o.lines()));
    }

    private static Row chartRow(ChartResult c) {
        if (c == null) {
            return null;
        }
        Object series = c.series() == null ? null : scalaSeq(c.series().stream()
                .map(s -> RowFactory.create(s.name(), scalaSeq(s.points().stream()
                        .map(pt -> RowFactory.create(pt.x(), pt.y())).toList())))
                .toList());
        return RowFactory.create(c.chartType(), c.title(), c.xLabel(), c.yLabel(), series, c.parseError());
    }

    /** Row encoders take Scala Seqs for arrays. */
    static <T> scala.collection.immutable.Seq<T> scalaSeq(List<T> list) {
        return list == null ? null : scala.jdk.javaapi.CollectionConverters.asScala(list).toList();
    }

    private static StructField field(String name, DataType type) {
        return new StructField(name, type, true, org.apache.spark.sql.types.Metadata.empty());
    }
}
