package org.phi3vspark.udf.task;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.Serializable;
import org.phi3vspark.model.generate.json.InvalidSchemaException;
import org.phi3vspark.model.generate.json.JsonConstraint;
import org.phi3vspark.model.generate.json.JsonSchema;
import org.phi3vspark.model.generate.json.TokenVocabulary;

/**
 * A task's {@code json_schema}: checked against the subset constrained decoding supports when the task is
 * defined, so a bad schema fails on the driver. It travels to the executors as its JSON text and is parsed once
 * per JVM there.
 */
public final class TaskSchema implements Serializable {
    private static final Gson GSON = new Gson();

    private final String json;
    private transient JsonSchema parsed;

    private TaskSchema(String json, JsonSchema parsed) {
        this.json = json;
        this.parsed = parsed;
    }

    /** @throws InvalidSchemaException naming the JSON path of what is wrong ({@code $.properties.x: ...}) */
    public static TaskSchema of(JsonElement schema) {
        if (schema == null || !schema.isJsonObject()) {
            JsonSchema.parse(GSON.toJson(schema)); // not an object: throws, in the schema parser's words
        }
        JsonObject object = schema.getAsJsonObject();
        return new TaskSchema(GSON.toJson(object), JsonSchema.parse(object));
    }

    /** The schema as compact JSON text: what request keys hash and what identifies a compiled constraint. */
    public String json() {
        return json;
    }

    public synchronized JsonSchema schema() {
        if (parsed == null) {
            parsed = JsonSchema.parse(json);
        }
        return parsed;
    }

    /**
     * The fewest generated tokens in which decoding under this schema can always finish a value, with this
     * tokenizer (the end token not counted).
     */
    public int minimumTokens(TokenVocabulary vocabulary) {
        return JsonConstraint.compile(schema(), vocabulary).minimumTokens();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskSchema other && other.json.equals(json);
    }

    @Override
    public int hashCode() {
        return json.hashCode();
    }

    @Override
    public String toString() {
        return json;
    }
}
