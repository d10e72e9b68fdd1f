package org.phi3vspark.model.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import org.phi3vspark.model.io.CheckpointException;

import java.math.BigDecimal;
import java.nio.file.Path;

/**
 * Typed access to one JSON object of a config file. Keys are reported with their dotted path
 * (e.g. {@code img_processor.vision_config.hidden_size}) and the file, so a broken config names
 * exactly what is wrong.
 */
final class ConfigJson {
    private final JsonObject object;
    private final Path file;
    private final String prefix;

    ConfigJson(JsonObject object, Path file, String prefix) {
        this.object = object;
        this.file = file;
        this.prefix = prefix;
    }

    Path file() {
        return file;
    }

    String key(String name) {
        return prefix + name;
    }

    /** True when the key exists and is not JSON null. */
    boolean has(String name) {
        JsonElement v = object.get(name);
        return v != null && !v.isJsonNull();
    }

    boolean isNull(String name) {
        JsonElement v = object.get(name);
        return v != null && v.isJsonNull();
    }

    /** The nested object under {@code name}, or null when absent or JSON null. */
    ConfigJson child(String name) {
        if (!has(name)) {
            return null;
        }
        JsonElement v = object.get(name);
        if (!v.isJsonObject()) {
            throw error(name, "must be a JSON object, got " + v);
        }
        return new ConfigJson(v.getAsJsonObject(), file, key(name) + ".");
    }

    /** The nested object under {@code name}, or an empty one (every key at its default) when absent. */
    ConfigJson childOrEmpty(String name) {
        ConfigJson child = child(name);
        return child != null ? child : new ConfigJson(new JsonObject(), file, key(name) + ".");
    }

    int requireInt(String name) {
        return toInt(name, require(name));
    }

    int optInt(String name, int fallback) {
        return has(name) ? toInt(name, object.get(name)) : fallback;
    }

    double requireDouble(String name) {
        return toDouble(name, require(name));
    }

    double optDouble(String name, double fallback) {
        return has(name) ? toDouble(name, object.get(name)) : fallback;
    }

    String requireString(String name) {
        JsonElement v = require(name);
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
            throw error(name, "must be a string, got " + v);
        }
        return v.getAsString();
    }

    String optString(String name, String fallback) {
        return has(name) ? requireString(name) : fallback;
    }

    boolean optBoolean(String name, boolean fallback) {
        if (!has(name)) {
            return fallback;
        }
        JsonElement v = object.get(name);
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isBoolean()) {
            throw error(name, "must be true or false, got " + v);
        }
        return v.getAsBoolean();
    }

    /**
     * Rejects a value the runtime does not implement. A missing key takes {@code fallback}, the original
     * code's default, which is always the implemented value.
     */
    void requireValue(String name, Object fallback, Object implemented) {
        Object value = !has(name) ? fallback
                : implemented instanceof Boolean ? (Object) optBoolean(name, false)
                : implemented instanceof Integer ? (Object) optInt(name, 0)
                : optString(name, null);
        if (!implemented.equals(value)) {
            throw error(name, "is " + (value instanceof String ? "\"" + value + "\"" : value)
                    + "; this runtime implements only " + (implemented instanceof String ? "\"" + implemented + "\""
                            : implemented) + " (the value of Phi-3.5-vision-instruct)");
        }
    }

    /** An int, or the first element of a list of ints (HF allows both for token ids). */
    int intOrFirstOfList(String name, int fallback) {
        if (!has(name)) {
            return fallback;
        }
        JsonElement v = object.get(name);
        if (v.isJsonArray()) {
            JsonArray a = v.getAsJsonArray();
            if (a.isEmpty()) {
                throw error(name, "is an empty list");
            }
            return toInt(name + "[0]", a.get(0));
        }
        return toInt(name, v);
    }

    /** A list of numbers, each parsed as double and narrowed to float32 (the values were float32 in Python). */
    float[] requireFloatArray(String name) {
        JsonElement v = require(name);
        if (!v.isJsonArray()) {
            throw error(name, "must be a list of numbers, got " + v);
        }
        JsonArray a = v.getAsJsonArray();
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) toDouble(name + "[" + i + "]", a.get(i));
        }
        return out;
    }

    CheckpointException error(String name, String problem) {
        return new CheckpointException("config file " + file + ": " + key(name) + " " + problem);
    }

    private JsonElement require(String name) {
        JsonElement v = object.get(name);
        if (v == null || v.isJsonNull()) {
            throw new CheckpointException("config file " + file + " has no value for required key " + key(name));
        }
        return v;
    }

    private int toInt(String name, JsonElement v) {
        if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
            BigDecimal d = ((JsonPrimitive) v).getAsBigDecimal();
            if (d.signum() == 0 || d.stripTrailingZeros().scale() <= 0) {
                try {
                    return d.intValueExact();
                } catch (ArithmeticException e) {
                    throw error(name, "is out of the int range: " + v);
                }
            }
        }
        throw error(name, "must be an integer, got " + v);
    }

    private double toDouble(String name, JsonElement v) {
        if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
            return v.getAsDouble();
        }
        throw error(name, "must be a number, got " + v);
    }
}
