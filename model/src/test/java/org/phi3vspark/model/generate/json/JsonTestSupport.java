package org.phi3vspark.model.generate.json;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.phi3vspark.model.GoldenSet;

/** Schemas and the real Phi-3 vocabulary (the tiny checkpoints ship the real tokenizer.json) for the JSON tests. */
final class JsonTestSupport {
    /** The chart task's shape: a chart type from a list, labels, and named series of (x, y) points. */
    static final String CHART_SCHEMA = """
            {"type": "object",
             "properties": {
               "chart_type": {"type": "string", "enum": ["bar", "line", "pie", "scatter"]},
               "title": {"type": "string"},
               "x_label": {"type": "string"},
               "y_label": {"type": "string"},
               "series": {"type": "array", "items": {
                 "type": "object",
                 "properties": {
                   "name": {"type": "string"},
                   "points": {"type": "array", "items": {
                     "type": "object",
                     "properties": {"x": {"type": "string"}, "y": {"type": "number"}},
                     "required": ["x", "y"], "additionalProperties": false}}},
                 "required": ["name", "points"], "additionalProperties": false}}},
             "required": ["chart_type", "title", "x_label", "y_label", "series"],
             "additionalProperties": false}
            """;

    /**
     * A custom extraction task: required keys, an enum, a boolean, an integer, an optional nullable string,
     * bounded strings and a bounded nested array of objects. Shared with the udf and jobs tests.
     */
    static final String INVOICE_SCHEMA = readSchema("invoice.schema.json");


    private static TokenVocabulary vocabulary;

    private JsonTestSupport() {}

    private static String readSchema(String name) {
        try {
            return Files.readString(Path.of("..", "testdata", "schemas", name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Phi-3's vocabulary, loaded once per JVM. */
    static synchronized TokenVocabulary vocabulary() {
        if (vocabulary == null) {
            vocabulary = TokenVocabulary.load(GoldenSet.fixtureCheckpoint("tiny-f32"));
        }
        return vocabulary;
    }

    /** The text the decoder gives for {@code ids}, from the vocabulary view (one leading space dropped). */
    static String text(TokenVocabulary vocabulary, long[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long id : ids) {
            byte[] text = vocabulary.text((int) id);
            if (text != null) {
                out.writeBytes(text);
            }
        }
        String decoded = out.toString(StandardCharsets.UTF_8);
        return vocabulary.dropsLeadingSpace() && decoded.startsWith(" ") ? decoded.substring(1) : decoded;
    }

    /** The first problem of {@code text} as a value of {@code schema}: not JSON, or a violation. */
    static Optional<String> problem(JsonSchema schema, String text) {
        JsonElement value;
        try {
            value = StrictJson.parse(text);
        } catch (JsonParseException e) {
            return Optional.of("not JSON: " + e.getMessage());
        }
        return schema.validate(value).map(SchemaViolation::toString);
    }
}
