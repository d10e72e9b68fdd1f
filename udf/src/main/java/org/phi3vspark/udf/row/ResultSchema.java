package org.phi3vspark.udf.row;

import com.google.gson.JsonObject;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.model.text.ChatMessage;
import org.phi3vspark.udf.row.ResultRow.Item;
import org.phi3vspark.udf.row.ResultRow.Outcome;
import org.phi3vspark.udf.row.ResultRow.Provenance;
import org.phi3vspark.udf.row.ResultRow.Timings;
import org.phi3vspark.udf.row.ResultRow.Tokens;
import org.phi3vspark.udf.row.RowLayout.Column;
import org.phi3vspark.udf.task.ChartResult;
import org.phi3vspark.udf.task.OcrResult;
import org.phi3vspark.udf.task.ParsedOutput;

/**
 * The results table, declared once: every column of {@link ResultRow} with its type and meaning, in the order of
 * the Parquet files. {@code task} and {@code run_date} are the partition columns and come last (they live in the
 * directory names). conf/results.avsc is {@link #avroSchema()}, and conf/SCHEMA.md and the README hold
 * {@link #markdownTable()}; tests keep them equal.
 */
public final class ResultSchema {

    private ResultSchema() {
    }

    private static final RowLayout.Builder<ResultRow> R = RowLayout.builder("ResultRow", "One row of the phi3v"
            + " results table, as stored in each Parquet data file. The table is Hive-partitioned by"
            + " task=<task>/run_date=<yyyy-MM-dd>: those two columns live in the directory names, not inside the"
            + " files. Spark writes every Parquet column as optional, so every field here is nullable. Columns"
            + " passed through from the manifest (--passthrough) are appended after these fields.");

    public static final Column<ResultRow, String> RUN_ID = R.add("run_id", Codec.STRING,
            r -> r.provenance().runId(), "Id of the run that wrote the row (one per job invocation).");
    public static final Column<ResultRow, String> ITEM_ID = R.add("item_id", Codec.STRING,
            r -> r.item().itemId(), "Manifest item_id, or derived from the image URIs when the manifest has none.");
    public static final Column<ResultRow, List<String>> IMAGE_URIS = R.add("image_uris", Codec.listOf(Codec.STRING),
            r -> r.item().imageUris(), "The item's images, qualified URIs, in prompt order (image 1 first); null"
                    + " for a video item.");
    public static final Column<ResultRow, String> VIDEO_URI = R.add("video_uri", Codec.STRING,
            r -> r.item().videoUri(), "A video item's video, qualified URI (manifest column video_uri): its sampled"
                    + " frames are the item's images, in time order; null for an item of images.");
    public static final Column<ResultRow, String> PROMPT = R.add("prompt", Codec.STRING,
            r -> r.request().prompt(), "The user message as sent (image tags included, chat template excluded); for"
                    + " a conversation, its final user turn.");
    public static final Column<ResultRow, List<ChatMessage>> MESSAGES = R.add("messages",
            Codec.listOf(Codec.struct(Structs.MESSAGE)), r -> r.request().messages(),
            "The whole conversation when the manifest row gave one (messages column); null otherwise.");
    public static final Column<ResultRow, String> RESPONSE = R.add("response", Codec.STRING,
            r -> r.outcome().response(), "Raw generated text; null on error rows that never got an answer.");
    public static final Column<ResultRow, String> STATUS = R.add("status", Codec.STRING,
            r -> r.outcome().status(), "ok or error.");
    public static final Column<ResultRow, String> ERROR = R.add("error", Codec.STRING,
            r -> r.outcome().error(), "What failed, naming the URI or item; null when status is ok.");
    public static final Column<ResultRow, ErrorStage> ERROR_STAGE = R.add("error_stage",
            Codec.mapped(Codec.STRING, ErrorStage::id, ErrorStage::parse), r -> r.outcome().errorStage(),
            "read, decode, preprocess, generate, model or parse (the answer does not parse or conform to its"
                    + " task's json_schema; response keeps it); null when status is ok.");
    public static final Column<ResultRow, String> FINISH_REASON = R.add("finish_reason", Codec.STRING,
            r -> r.outcome().finishReason(), "stop (end token or stop string) or length (max_new_tokens reached).");
    public static final Column<ResultRow, Boolean> CLOSED_EARLY = R.add("closed_early", Codec.BOOLEAN,
            r -> r.outcome().closedEarly(), "Tasks decoded under a JSON schema (chart, json tasks): true when"
                    + " max_new_tokens made the decoder finish the value sooner than the model would have (the value"
                    + " is complete and valid, but shorter: raise max_new_tokens), false otherwise; null for rows not"
                    + " decoded under a schema.");
    public static final Column<ResultRow, Integer> PROMPT_TOKENS = R.add("prompt_tokens", Codec.INT,
            r -> r.outcome().tokens().prompt(), "Prompt length in tokens, image tokens included.");
    public static final Column<ResultRow, Integer> IMAGE_TOKENS = R.add("image_tokens", Codec.INT,
            r -> r.outcome().tokens().image(), "Tokens taken by the images.");
    public static final Column<ResultRow, Integer> OUTPUT_TOKENS = R.add("output_tokens", Codec.INT,
            r -> r.outcome().tokens().output(), "Generated tokens.");
    public static final Column<ResultRow, Long> LATENCY_MS = R.add("latency_ms", Codec.LONG,
            r -> r.timings().latencyMs(), "Time spent on this item, rounded: read_ms + image_decode_ms +"
                    + " preprocess_ms + prefill_ms + decode_ms (not the time it waited in the engine's queue).");
    public static final Column<ResultRow, Double> READ_MS = R.add("read_ms", Codec.DOUBLE,
            r -> r.timings().readMs(), "Reading the item's image files.");
    public static final Column<ResultRow, Double> IMAGE_DECODE_MS = R.add("image_decode_ms", Codec.DOUBLE,
            r -> r.timings().imageDecodeMs(), "Decoding the item's images into pixels.");
    public static final Column<ResultRow, Double> PREPROCESS_MS = R.add("preprocess_ms", Codec.DOUBLE,
            r -> r.timings().preprocessMs(), "HD transform and normalisation of the images, prompt tokenization.");
    public static final Column<ResultRow, Double> PREFILL_MS = R.add("prefill_ms", Codec.DOUBLE,
            r -> r.timings().prefillMs(), "The model's prefill work for this request: vision tower and prompt."
                    + " A prefix shared by the tasks of an item (the prompt up to its last image) counts for the request"
                    + " that computed it; the others count copying it and prefilling their own question.");
    public static final Column<ResultRow, Double> DECODE_MS = R.add("decode_ms", Codec.DOUBLE,
            r -> r.timings().decodeMs(), "From the request joining the engine's running batch to its last token"
                    + " (wall time, shared with the sequences decoding alongside).");
    public static final Column<ResultRow, String> MODEL = R.add("model", Codec.STRING,
            r -> r.provenance().model(), "Model location as given (--model).");
    public static final Column<ResultRow, String> MODEL_REVISION = R.add("model_revision", Codec.STRING,
            r -> r.provenance().modelRevision(),
            "Hex sha256 over config.json and the weight index (names, dtypes, shapes, sizes).");
    public static final Column<ResultRow, Integer> NUM_CROPS = R.add("num_crops", Codec.INT,
            r -> r.request().numCrops(), "HD-transform crop budget used for each image.");
    public static final Column<ResultRow, GenerationConfig> GENERATION = R.add("generation",
            Codec.struct(Structs.GENERATION), r -> r.request().generation(), "Sampling settings.");
    public static final Column<ResultRow, List<ImageSize>> IMAGE_SIZES = R.add("image_sizes",
            Codec.listOf(Codec.struct(Structs.IMAGE_SIZE)), r -> r.item().imageSizes(),
            "Decoded size per image (null entry if not decoded); for a video item, per sampled frame as given to"
                    + " the model (scaled down to at most 336 × num_crops pixels on its longer side), null if not decoded.");
    public static final Column<ResultRow, List<Double>> FRAME_TIMESTAMPS = R.add("frame_timestamps",
            Codec.listOf(Codec.DOUBLE), r -> r.item().frameTimestamps(), "A video item's sampled frames: seconds"
                    + " from the start of the video, in prompt order (image 1 first); null for an item of images and"
                    + " for a video that was not decoded.");
    public static final Column<ResultRow, String> CONTENT_KEY = R.add("content_key", Codec.STRING,
            r -> r.item().contentKey(), "Hex sha256 over each image's (or the video's) URI, length and"
                    + " modification time (one Hadoop FileStatus per file).");
    public static final Column<ResultRow, String> REQUEST_KEY = R.add("request_key", Codec.STRING,
            r -> r.request().requestKey(), "Hex sha256 over content_key, task, prompt or conversation, num_crops,"
                    + " generation settings, model_revision, for a task with a json_schema the schema and whether"
                    + " decoding was constrained, and for a video item how its frames were sampled; reruns skip"
                    + " requests whose request_key already has an ok row.");
    public static final Column<ResultRow, String> DEVICE = R.add("device", Codec.STRING,
            r -> r.provenance().device(), "Device the model ran on, for example gpu(0) or cpu().");
    public static final Column<ResultRow, Instant> CREATED_AT = R.add("created_at", Codec.TIMESTAMP,
            r -> r.provenance().createdAt(), "When the row was produced (UTC).");
    public static final Column<ResultRow, String> CAPTION = R.add("caption", Codec.STRING,
            r -> parsed(r).caption(), "Task caption: the trimmed response.");
    public static final Column<ResultRow, OcrResult> OCR = R.add("ocr", Codec.struct(Structs.OCR),
            r -> parsed(r).ocr(), "Task ocr: transcription and its non-empty lines.");
    public static final Column<ResultRow, ChartResult> CHART = R.add("chart", Codec.struct(Structs.CHART),
            r -> parsed(r).chart(), "Task chart: the model's JSON (decoded under the chart schema), typed; when it"
                    + " does not parse or conform, parse_error says why, status is error with error_stage parse, and"
                    + " response keeps the text.");
    public static final Column<ResultRow, String> TASK = R.add("task", Codec.STRING, r -> r.request().task(),
            "Task name (partition column).");
    public static final Column<ResultRow, LocalDate> RUN_DATE = R.add("run_date", Codec.DATE,
            r -> r.provenance().runDate(), "UTC date the run started (partition column).");

    public static final RowLayout<ResultRow> LAYOUT = R.build(v -> new ResultRow(
            new Provenance(v.get(RUN_ID), v.get(MODEL), v.get(MODEL_REVISION), v.get(DEVICE), v.get(CREATED_AT),
                    v.get(RUN_DATE)),
            new Item(v.get(ITEM_ID), v.get(IMAGE_URIS), v.get(VIDEO_URI), v.get(IMAGE_SIZES), v.get(FRAME_TIMESTAMPS),
                    v.get(CONTENT_KEY)),
            new Request(v.get(TASK), v.get(PROMPT), v.get(MESSAGES), v.get(NUM_CROPS), v.get(GENERATION),
                    v.get(REQUEST_KEY)),
            new Outcome(v.get(STATUS), v.get(RESPONSE), v.get(ERROR), v.get(ERROR_STAGE), v.get(FINISH_REASON),
                    v.get(CLOSED_EARLY), new Tokens(v.get(PROMPT_TOKENS), v.get(IMAGE_TOKENS), v.get(OUTPUT_TOKENS)),
                    ParsedOutput.of(v.get(CAPTION), v.get(OCR), v.get(CHART))),
            new Timings(v.get(READ_MS), v.get(IMAGE_DECODE_MS), v.get(PREPROCESS_MS), v.get(PREFILL_MS),
                    v.get(DECODE_MS))));

    /** The directory-name columns of the table, in partition order. */
    public static final List<String> PARTITION_COLUMNS = List.of(TASK.name(), RUN_DATE.name());

    /** The full table schema: data columns then the partition columns. */
    public static final StructType SCHEMA = LAYOUT.schema();

    /** Columns inside the Parquet files, in order. */
    public static final StructType DATA = dataSchema();

    private static ParsedOutput parsed(ResultRow r) {
        return r.outcome().parsed() == null ? ParsedOutput.NONE : r.outcome().parsed();
    }

    private static StructType dataSchema() {
        List<StructField> data = new ArrayList<>();
        for (StructField f : SCHEMA.fields()) {
            if (!PARTITION_COLUMNS.contains(f.name())) {
                data.add(f);
            }
        }
        return new StructType(data.toArray(new StructField[0]));
    }

    public static List<String> columnNames() {
        return LAYOUT.names();
    }

    /** conf/results.avsc: the Avro record of the data columns. */
    public static JsonObject avroSchema() {
        JsonObject record = LAYOUT.avroRecord(name -> !PARTITION_COLUMNS.contains(name));
        JsonObject out = new JsonObject();
        out.addProperty("type", "record");
        out.addProperty("name", record.get("name").getAsString());
        out.addProperty("namespace", "org.phi3vspark.results");
        out.add("doc", record.get("doc"));
        out.add("fields", record.get("fields"));
        return out;
    }

    /** The column table of conf/SCHEMA.md and the README. */
    public static String markdownTable() {
        List<String> lines = new ArrayList<>();
        lines.add("| column | type | meaning |");
        lines.add("| --- | --- | --- |");
        for (Column<ResultRow, ?> c : LAYOUT.columns()) {
            if (c.name().equals(TASK.name())) {
                lines.add("| json_*task* | from the task's json_schema: struct, array, string, double, bigint,"
                        + " boolean | One per task with `\"output\": \"json\"` in the run: its answer, typed by its"
                        + " schema (null in other tasks' rows and in error rows). |");
                lines.add("| *passthrough columns* | as in the manifest | with `--passthrough` |");
            }
            lines.add("| " + c.name() + " | " + c.codec().docType().replace("|", "\\|") + " | "
                    + c.doc().replace("|", "\\|") + " |");
        }
        return String.join("\n", lines) + "\n";
    }
}
