package org.phi3vspark.udf.task;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.phi3vspark.model.generate.json.SchemaViolation;
import org.phi3vspark.model.generate.json.StrictJson;

/**
 * Turns the model's text into the typed column of its task. Never throws on odd text: that is data.
 *
 * <p>A task with a {@code json_schema} must answer with a value of it. Decoded under the schema (constrained
 * decoding, the default) the text is that value exactly, parsed as strict JSON; decoded freely the value may
 * sit in a {@code ```} fence or after some prose. Either way it is checked against the schema, and a value
 * that does not parse or conform is a parse error. One exception keeps free decoding of charts as it always
 * was: a chart answer decoded freely is read leniently (single quotes, numbers in strings, other key names)
 * and not checked against the schema.
 */
public final class OutputParsers {

    private static final Pattern FENCE = Pattern.compile("```(?:json|JSON)?\\s*\\n?(.*?)```", Pattern.DOTALL);
    private static final Pattern NUMBER = Pattern.compile("[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?");

    private OutputParsers() {
    }

    /**
     * The typed columns of {@code task}'s answer.
     *
     * @param constrained whether the answer was decoded under the task's schema
     */
    public static ParsedOutput parse(TaskPreset task, boolean constrained, String response) {
        String text = response == null ? "" : response;
        TaskSchema schema = task.schema();
        if (schema == null || task.output() == OutputKind.CHART && !constrained) {
            return parse(task.output(), text);
        }
        JsonElement value;
        try {
            value = constrained ? StrictJson.parse(text) : freeValue(text);
        } catch (JsonParseException e) {
            return ParsedOutput.failed(task.output(), "invalid JSON: " + rootMessage(e));
        }
        Optional<SchemaViolation> violation = schema.schema().validate(value);
        if (violation.isPresent()) {
            return ParsedOutput.failed(task.output(), "does not match the task's json_schema: " + violation.get());
        }
        return switch (task.output()) {
            case JSON -> json(task.jsonColumn(), value);
            case CHART -> value.isJsonObject() ? ParsedOutput.of(null, null, chart(value.getAsJsonObject()))
                    : ParsedOutput.failed(OutputKind.CHART, "JSON answer is not an object");
            default -> parse(task.output(), text);
        };
    }

    private static ParsedOutput parse(OutputKind kind, String text) {
        return switch (kind) {
            case CAPTION -> ParsedOutput.of(text.strip(), null, null);
            case OCR -> ParsedOutput.of(null, ocr(text), null);
            case CHART -> ParsedOutput.of(null, null, chart(text));
            case JSON -> throw new IllegalStateException("a json task has a json_schema");
            case TEXT -> ParsedOutput.NONE;
        };
    }

    private static ParsedOutput json(JsonColumn column, JsonElement value) {
        try {
            return new ParsedOutput(null, null, null, column.toSpark(value), null);
        } catch (IllegalArgumentException e) {
            return ParsedOutput.failed(OutputKind.JSON, e.getMessage());
        }
    }

    /** The JSON value of a freely decoded answer: the whole text, else a fenced block's, else the {...} in it. */
    private static JsonElement freeValue(String text) {
        Matcher fence = FENCE.matcher(text);
        List<String> candidates = Arrays.asList(text, fence.find() ? fence.group(1) : null, extractJson(text));
        JsonParseException first = null;
        for (String candidate : candidates) {
            if (candidate == null) {
                continue;
            }
            try {
                return StrictJson.parse(candidate);
            } catch (JsonParseException e) {
                first = first == null ? e : first;
            }
        }
        throw first;
    }

    static OcrResult ocr(String text) {
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\\R")) {
            String l = line.stripTrailing();
            if (!l.isBlank()) {
                lines.add(l);
            }
        }
        return new OcrResult(text.strip(), lines);
    }

    static ChartResult chart(String text) {
        String json = extractJson(text);
        if (json == null) {
            return ChartResult.failed("no JSON object in the response");
        }
        JsonElement root;
        try {
            // Lenient (JsonParser's default): models write single quotes and unquoted keys.
            root = JsonParser.parseString(json);
        } catch (JsonParseException | IllegalStateException e) {
            return ChartResult.failed("invalid JSON: " + rootMessage(e));
        }
        if (!root.isJsonObject()) {
            return ChartResult.failed("JSON answer is not an object");
        }
        return chart(root.getAsJsonObject());
    }

    /** The chart in a JSON object, reading the key names models use besides the asked ones. */
    private static ChartResult chart(JsonObject o) {
        List<ChartResult.Series> series = new ArrayList<>();
        JsonElement s = first(o, "series", "data", "datasets");
        if (s != null && s.isJsonArray()) {
            for (JsonElement e : s.getAsJsonArray()) {
                if (e.isJsonObject()) {
                    JsonObject so = e.getAsJsonObject();
                    series.add(new ChartResult.Series(text(first(so, "name", "label")),
                            points(first(so, "points", "data", "values"))));
                }
            }
        } else if (s != null && !s.isJsonNull()) {
            return ChartResult.failed("\"series\" is not an array");
        }
        return new ChartResult(text(first(o, "chart_type", "type")), text(o.get("title")),
                text(first(o, "x_label", "x_axis", "xlabel")), text(first(o, "y_label", "y_axis", "ylabel")),
                series, null);
    }

    private static List<ChartResult.Point> points(JsonElement e) {
        List<ChartResult.Point> out = new ArrayList<>();
        if (e == null || !e.isJsonArray()) {
            return out;
        }
        for (JsonElement p : e.getAsJsonArray()) {
            if (p.isJsonObject()) {
                JsonObject po = p.getAsJsonObject();
                out.add(new ChartResult.Point(text(first(po, "x", "label", "category")), number(first(po, "y", "value"))));
            } else if (p.isJsonArray() && p.getAsJsonArray().size() >= 2) {
                JsonArray pa = p.getAsJsonArray();
                out.add(new ChartResult.Point(text(pa.get(0)), number(pa.get(1))));
            } else if (p.isJsonPrimitive()) {
                // A bare list of values: the position is the x.
                out.add(new ChartResult.Point(Integer.toString(out.size()), number(p)));
            }
        }
        return out;
    }

    private static JsonElement first(JsonObject o, String... keys) {
        for (String k : keys) {
            if (o.has(k) && !o.get(k).isJsonNull()) {
                return o.get(k);
            }
        }
        return null;
    }

    private static String text(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonPrimitive()) {
            JsonPrimitive p = e.getAsJsonPrimitive();
            return p.isNumber() ? plainNumber(p.getAsDouble()) : p.getAsString();
        }
        return e.toString();
    }

    private static String plainNumber(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** Numbers, numeric strings ("1,200", "45%", "$3.5") and nothing else. */
    private static Double number(JsonElement e) {
        if (e == null || e.isJsonNull() || !e.isJsonPrimitive()) {
            return null;
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        if (p.isNumber()) {
            return p.getAsDouble();
        }
        if (p.isString()) {
            Matcher m = NUMBER.matcher(p.getAsString().replace(",", ""));
            if (m.find()) {
                return Double.parseDouble(m.group());
            }
        }
        return null;
    }

    /** The JSON object in a response: inside a ``` fence when there is one, else from the first { to the last }. */
    static String extractJson(String text) {
        Matcher m = FENCE.matcher(text);
        String body = m.find() ? m.group(1) : text;
        int start = body.indexOf('{');
        int end = body.lastIndexOf('}');
        if (start < 0 || end <= start) {
            return null;
        }
        return body.substring(start, end + 1);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
