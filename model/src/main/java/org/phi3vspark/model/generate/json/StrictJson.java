package org.phi3vspark.model.generate.json;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;

/**
 * Parses model output as strict JSON (RFC 8259): Gson's {@code JsonParser} is lenient and would read
 * {@code hello} as a string or accept comments and single quotes, which a schema check must not let through.
 */
public final class StrictJson {
    private static final TypeAdapter<JsonElement> ELEMENTS = new Gson().getAdapter(JsonElement.class);

    private StrictJson() {}

    /**
     * The one JSON value that {@code text} holds (whitespace around it allowed).
     *
     * @throws JsonParseException if the text is not exactly one strict JSON value
     */
    public static JsonElement parse(String text) {
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT);
            JsonElement value = ELEMENTS.read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new JsonParseException("text after the JSON value at " + reader.getPath());
            }
            return value;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new JsonParseException(e.getMessage(), e);
        }
    }
}
