package org.phi3vspark.udf.row;

import java.util.List;
import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.model.text.ChatMessage;
import org.phi3vspark.udf.task.ChartResult;
import org.phi3vspark.udf.task.OcrResult;
import org.phi3vspark.udf.row.RowLayout.Column;

/** The struct columns that work and result rows share, each declared once. */
public final class Structs {

    private Structs() {
    }

    private static final RowLayout.Builder<GenerationConfig> G = RowLayout.builder("Generation",
            "Generation settings of the row.");
    public static final Column<GenerationConfig, Integer> MAX_NEW_TOKENS = G.add("max_new_tokens", Codec.INT,
            GenerationConfig::maxNewTokens, null);
    public static final Column<GenerationConfig, Double> TEMPERATURE = G.add("temperature", Codec.DOUBLE,
            GenerationConfig::temperature, "0 means greedy.");
    public static final Column<GenerationConfig, Integer> TOP_K = G.add("top_k", Codec.INT,
            GenerationConfig::topK, null);
    public static final Column<GenerationConfig, Double> TOP_P = G.add("top_p", Codec.DOUBLE,
            GenerationConfig::topP, null);
    public static final Column<GenerationConfig, Long> SEED = G.add("seed", Codec.LONG, GenerationConfig::seed, null);
    /** Sampling settings; the stop ids are the model's defaults (the job sets no others). */
    public static final RowLayout<GenerationConfig> GENERATION = G.build(v -> new GenerationConfig(
            v.get(MAX_NEW_TOKENS), v.get(TEMPERATURE), v.get(TOP_K), v.get(TOP_P), v.get(SEED), null, null));

    private static final RowLayout.Builder<ImageSize> S = RowLayout.builder("ImageSize",
            "Decoded size of one image; null entry when that image could not be decoded.");
    public static final Column<ImageSize, Integer> WIDTH = S.add("width", Codec.INT, ImageSize::width, null);
    public static final Column<ImageSize, Integer> HEIGHT = S.add("height", Codec.INT, ImageSize::height, null);
    public static final RowLayout<ImageSize> IMAGE_SIZE = S.build(v -> new ImageSize(v.get(WIDTH), v.get(HEIGHT)));

    private static final RowLayout.Builder<ChatMessage> M = RowLayout.builder("Message", "One turn of a conversation.");
    public static final Column<ChatMessage, String> ROLE = M.add("role", Codec.STRING, ChatMessage::role,
            "system, user or assistant.");
    public static final Column<ChatMessage, String> CONTENT = M.add("content", Codec.STRING, ChatMessage::content,
            "The turn's text, with <|image_N|> tags where images go.");
    public static final RowLayout<ChatMessage> MESSAGE = M.build(v -> new ChatMessage(v.get(ROLE), v.get(CONTENT)));

    private static final RowLayout.Builder<OcrResult> O = RowLayout.builder("Ocr",
            "Task ocr: the transcription and its non-empty lines.");
    public static final Column<OcrResult, String> OCR_TEXT = O.add("text", Codec.STRING, OcrResult::text, null);
    public static final Column<OcrResult, List<String>> OCR_LINES = O.add("lines", Codec.listOf(Codec.STRING),
            OcrResult::lines, null);
    public static final RowLayout<OcrResult> OCR = O.build(v -> new OcrResult(v.get(OCR_TEXT), v.get(OCR_LINES)));

    private static final RowLayout.Builder<ChartResult.Point> P = RowLayout.builder("ChartPoint", null);
    public static final Column<ChartResult.Point, String> X = P.add("x", Codec.STRING, ChartResult.Point::x,
            "Category or x value, as text.");
    public static final Column<ChartResult.Point, Double> Y = P.add("y", Codec.DOUBLE, ChartResult.Point::y, null);
    public static final RowLayout<ChartResult.Point> CHART_POINT = P.build(
            v -> new ChartResult.Point(v.get(X), v.get(Y)));

    private static final RowLayout.Builder<ChartResult.Series> CS = RowLayout.builder("ChartSeries", null);
    public static final Column<ChartResult.Series, String> SERIES_NAME = CS.add("name", Codec.STRING,
            ChartResult.Series::name, null);
    public static final Column<ChartResult.Series, List<ChartResult.Point>> POINTS = CS.add("points",
            Codec.listOf(Codec.struct(CHART_POINT)), ChartResult.Series::points, null);
    public static final RowLayout<ChartResult.Series> CHART_SERIES = CS.build(
            v -> new ChartResult.Series(v.get(SERIES_NAME), v.get(POINTS)));

    private static final RowLayout.Builder<ChartResult> C = RowLayout.builder("Chart", "Task chart: the JSON the"
            + " model wrote, typed; parse_error is set (and the other fields null) when it did not parse.");
    public static final Column<ChartResult, String> CHART_TYPE = C.add("chart_type", Codec.STRING,
            ChartResult::chartType, null);
    public static final Column<ChartResult, String> TITLE = C.add("title", Codec.STRING, ChartResult::title, null);
    public static final Column<ChartResult, String> X_LABEL = C.add("x_label", Codec.STRING, ChartResult::xLabel,
            null);
    public static final Column<ChartResult, String> Y_LABEL = C.add("y_label", Codec.STRING, ChartResult::yLabel,
            null);
    public static final Column<ChartResult, List<ChartResult.Series>> SERIES = C.add("series",
            Codec.listOf(Codec.struct(CHART_SERIES)), ChartResult::series, null);
    public static final Column<ChartResult, String> PARSE_ERROR = C.add("parse_error", Codec.STRING,
            ChartResult::parseError, null);
    public static final RowLayout<ChartResult> CHART = C.build(v -> new ChartResult(v.get(CHART_TYPE), v.get(TITLE),
            v.get(X_LABEL), v.get(Y_LABEL), v.get(SERIES), v.get(PARSE_ERROR)));
}
