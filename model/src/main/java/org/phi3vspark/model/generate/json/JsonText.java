package org.phi3vspark.model.generate.json;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;
import java.nio.charset.StandardCharsets;

/** JSON text of keys and literal values as the grammar emits them, and short renderings for messages. */
final class JsonText {
    /** Gson's escaping without its HTML escapes of {@code < > & = '}, which a model would never write. */
    private static final Gson CANONICAL = new GsonBuilder().disableHtmlEscaping().create();
    private static final int MESSAGE_CHARS = 60;

    private JsonText() {}

    static String canonical(JsonElement value) {
        return CANONICAL.toJson(value);
    }

    static byte[] canonicalBytes(JsonElement value) {
        return canonical(value).getBytes(StandardCharsets.UTF_8);
    }

    /** A name in double quotes, escaped as JSON. */
    static String quote(String name) {
        return canonical(new JsonPrimitive(name));
    }

    /** A value's JSON text, cut to a readable length. */
    static String abbreviate(JsonElement value) {
        String text = canonical(value);
        return text.length() <= MESSAGE_CHARS ? text : text.substring(0, MESSAGE_CHARS) + "...";
    }
}
