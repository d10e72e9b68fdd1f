package org.phi3vspark.model.generate.json;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.util.Optional;

/**
 * A JSON Schema in the subset that constrained decoding supports:
 * <ul>
 *   <li>{@code type}: object, array, string, number, integer, boolean, null, or a list of them
 *       ({@code ["string", "null"]});</li>
 *   <li>object: {@code properties}, {@code required}, {@code additionalProperties} (false or absent, which
 *       means false here: a property outside {@code properties} is never generated nor valid);</li>
 *   <li>array: {@code items} (required), {@code minItems}, {@code maxItems};</li>
 *   <li>string: {@code maxLength} (code points); {@code enum} of strings, numbers, booleans or null at any
 *       level (alone or with {@code type});</li>
 *   <li>annotations ({@code title}, {@code description}, {@code $schema}, {@code default}, ...) are ignored.</li>
 * </ul>
 * Anything else is rejected with the JSON path of the schema that uses it, e.g.
 * {@code $.properties.series.items: "oneOf" is not supported}.
 *
 * <p>Generated objects list their properties in declaration order; an optional property may be left out,
 * a required one never. {@link #validate} applies JSON Schema's own meaning and ignores order.
 */
public final class JsonSchema {
    private final SchemaNode root;
    private final JsonObject source;

    private JsonSchema(SchemaNode root, JsonObject source) {
        this.root = root;
        this.source = source;
    }

    /** @throws InvalidSchemaException if the schema is malformed or outside the subset */
    public static JsonSchema parse(JsonObject schema) {
        JsonObject copy = schema.deepCopy();
        return new JsonSchema(SchemaParser.parse(copy, "$"), copy);
    }

    /** @throws InvalidSchemaException if the text is not a JSON object or the schema is outside the subset */
    public static JsonSchema parse(String schemaJson) {
        JsonElement element;
        try {
            element = JsonParser.parseString(schemaJson);
        } catch (JsonParseException e) {
            throw new InvalidSchemaException("$", "not valid JSON: " + e.getMessage());
        }
        if (!element.isJsonObject()) {
            throw new InvalidSchemaException("$", "a schema must be a JSON object, got "
                    + SchemaParser.kindOf(element));
        }
        return parse(element.getAsJsonObject());
    }

    /** The first place where {@code value} breaks this schema, or empty if it conforms. */
    public Optional<SchemaViolation> validate(JsonElement value) {
        return SchemaValidator.validate(root, value, "$");
    }

    /** The parsed schema's structure (read-only). */
    public SchemaNode root() {
        return root;
    }

    @Override
    public String toString() {
        return "JsonSchema" + source;
    }
}
