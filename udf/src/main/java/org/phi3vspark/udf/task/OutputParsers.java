package org.phi3vspark.udf.task;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns the model's text into the typed column of its task. Never throws on odd text: that is data. */
public final class OutputParsers {

    private static final Pattern FENCE = Pattern.compile("```(?:json|JSON)?\\s*\\n?(.*?)```", Pattern.DOTALL);
    private static final Pattern NUMBER = Pattern.compile("[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?");

    private OutputParsers() {
    }

    public static ParsedOutput parse(OutputKind kind, String response) {
        String text = response == null ? "" : response;
        return switch (kind) {
            case CAPTION -> new ParsedOutput(text.strip(), null, null);
            case OCR -> new ParsedOutput(null, ocr(text), null);
            case CHART -> new ParsedOutput(null, null, chart(text));
            case TEXT -> ParsedOutput.NONE;
        };
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
        JsonObject o = root.getAsJsonObject();
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
