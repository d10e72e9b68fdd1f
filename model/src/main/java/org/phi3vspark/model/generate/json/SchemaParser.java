package org.phi3vspark.model.generate.json;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.phi3vspark.model.generate.json.SchemaNode.ArrayNode;
import org.phi3vspark.model.generate.json.SchemaNode.LiteralNode;
import org.phi3vspark.model.generate.json.SchemaNode.NumberNode;
import org.phi3vspark.model.generate.json.SchemaNode.ObjectNode;
import org.phi3vspark.model.generate.json.SchemaNode.Property;
import org.phi3vspark.model.generate.json.SchemaNode.StringNode;
import org.phi3vspark.model.generate.json.SchemaNode.UnionNode;

/** Turns a JSON Schema (the supported subset) into {@link SchemaNode}s, rejecting anything else by path. */
final class SchemaParser {
    /** Keywords that describe a schema without constraining values; accepted and ignored. */
    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "$schema", "$id", "$comment",
            "default", "examples", "deprecated", "readOnly", "writeOnly");
    private static final List<String> TYPES = List.of("object", "array", "string", "number", "integer", "boolean",
            "null");
    /** Each constraining keyword and the type it belongs to ("" for keywords of every type). */
    private static final Map<String, String> KEYWORDS = Map.of("type", "", "enum", "", "properties", "object",
            "required", "object", "additionalProperties", "object", "items", "array", "minItems", "array",
            "maxItems", "array", "maxLength", "string");
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private SchemaParser() {}

    static SchemaNode parse(JsonElement schema, String path) {
        if (schema == null || !schema.isJsonObject()) {
            throw new InvalidSchemaException(path, "a schema must be a JSON object, got " + kindOf(schema));
        }
        JsonObject object = schema.getAsJsonObject();
        for (String key : object.keySet()) {
            if (!KEYWORDS.containsKey(key) && !ANNOTATIONS.contains(key)) {
                throw new InvalidSchemaException(path, JsonText.quote(key) + " is not supported");
            }
        }
        Set<String> types = types(object, path);
        for (String key : object.keySet()) {
            String owner = KEYWORDS.get(key);
            if (owner != null && !owner.isEmpty() && !types.contains(owner)) {
                throw new InvalidSchemaException(path, JsonText.quote(key) + " applies to type " + owner
                        + ", but the type is " + (types.isEmpty() ? "not given" : String.join(" or ", types)));
            }
        }
        if (object.has("enum")) {
            for (String key : object.keySet()) {
                if (!key.equals("enum") && !key.equals("type") && !ANNOTATIONS.contains(key)) {
                    throw new InvalidSchemaException(path, JsonText.quote(key) + " cannot be combined with \"enum\"");
                }
            }
            return enumNode(object.get("enum"), types, path + ".enum");
        }
        if (types.isEmpty()) {
            throw new InvalidSchemaException(path, "a schema needs \"type\" or \"enum\"");
        }
        if (types.contains("number")) {
            types.remove("integer"); // every integer is a number, and the two would start alike
        }
        List<SchemaNode> alternatives = new ArrayList<>();
        for (String type : types) {
            alternatives.add(typed(type, object, path));
        }
        return alternatives.size() == 1 ? alternatives.get(0) : new UnionNode(alternatives);
    }

    private static Set<String> types(JsonObject object, String path) {
        Set<String> types = new LinkedHashSet<>();
        JsonElement type = object.get("type");
        if (type == null) {
            return types;
        }
        List<JsonElement> names = new ArrayList<>();
        if (type.isJsonArray()) {
            type.getAsJsonArray().forEach(names::add);
            if (names.isEmpty()) {
                throw new InvalidSchemaException(path + ".type", "an empty list of types allows nothing");
            }
        } else {
            names.add(type);
        }
        for (JsonElement name : names) {
            if (!isString(name) || !TYPES.contains(name.getAsString())) {
                throw new InvalidSchemaException(path + ".type", name + " is not a JSON type (one of "
                        + String.join(", ", TYPES) + ")");
            }
            types.add(name.getAsString());
        }
        return types;
    }

    private static SchemaNode typed(String type, JsonObject object, String path) {
        return switch (type) {
            case "object" -> objectNode(object, path);
            case "array" -> arrayNode(object, path);
            case "string" -> new StringNode(object.has("maxLength") ? count(object, "maxLength", path) : -1);
            case "number" -> new NumberNode(false);
            case "integer" -> new NumberNode(true);
            case "boolean" -> literal(List.of(new JsonPrimitive(true), new JsonPrimitive(false)), "boolean");
            case "null" -> literal(List.of(JsonNull.INSTANCE), "null");
            default -> throw new IllegalStateException("unhandled type " + type);
        };
    }

    private static ObjectNode objectNode(JsonObject object, String path) {
        JsonElement additional = object.get("additionalProperties");
        if (additional != null && !(additional.isJsonPrimitive() && additional.getAsJsonPrimitive().isBoolean()
                && !additional.getAsBoolean())) {
            throw new InvalidSchemaException(path + ".additionalProperties",
                    "must be false (properties outside \"properties\" cannot be constrained)");
        }
        Set<String> required = new LinkedHashSet<>();
        JsonElement requiredList = object.get("required");
        if (requiredList != null) {
            if (!requiredList.isJsonArray()) {
                throw new InvalidSchemaException(path + ".required", "must be an array of property names");
            }
            for (JsonElement name : requiredList.getAsJsonArray()) {
                if (!isString(name)) {
                    throw new InvalidSchemaException(path + ".required", name + " is not a property name");
                }
                required.add(name.getAsString());
            }
        }
        JsonObject declared = new JsonObject();
        JsonElement properties = object.get("properties");
        if (properties != null) {
            if (!properties.isJsonObject()) {
                throw new InvalidSchemaException(path + ".properties", "must be an object of property schemas");
            }
            declared = properties.getAsJsonObject();
        }
        for (String name : required) {
            if (!declared.has(name)) {
                throw new InvalidSchemaException(path + ".required", JsonText.quote(name)
                        + " is not in \"properties\" (additional properties are off)");
            }
        }
        List<Property> list = new ArrayList<>();
        for (Map.Entry<String, JsonElement> entry : declared.entrySet()) {
            String name = entry.getKey();
            SchemaNode value = parse(entry.getValue(), path + ".properties" + member(name));
            list.add(new Property(name, JsonText.canonicalBytes(new JsonPrimitive(name)), value,
                    required.contains(name)));
        }
        return new ObjectNode(list);
    }

    private static ArrayNode arrayNode(JsonObject object, String path) {
        JsonElement items = object.get("items");
        if (items == null) {
            throw new InvalidSchemaException(path, "an array needs \"items\"");
        }
        if (items.isJsonArray()) {
            throw new InvalidSchemaException(path + ".items", "a list of item schemas (tuple) is not supported");
        }
        SchemaNode itemNode = parse(items, path + ".items");
        int min = object.has("minItems") ? count(object, "minItems", path) : 0;
        int max = object.has("maxItems") ? count(object, "maxItems", path) : -1;
        if (max >= 0 && min > max) {
            throw new InvalidSchemaException(path, "minItems " + min + " is greater than maxItems " + max);
        }
        return new ArrayNode(itemNode, min, max);
    }

    private static LiteralNode enumNode(JsonElement values, Set<String> types, String path) {
        if (!values.isJsonArray() || values.getAsJsonArray().isEmpty()) {
            throw new InvalidSchemaException(path, "must be a non-empty array of values");
        }
        JsonArray array = values.getAsJsonArray();
        List<JsonElement> list = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            JsonElement value = array.get(i);
            String kind = kindOf(value);
            if (value.isJsonObject() || value.isJsonArray()) {
                throw new InvalidSchemaException(path + "[" + i + "]", "enum values must be strings, numbers, "
                        + "booleans or null, got " + kind);
            }
            boolean typeMatches = types.isEmpty() || types.contains(kind)
                    || kind.equals("number") && types.contains("integer") && isIntegral(value);
            if (!typeMatches) {
                throw new InvalidSchemaException(path + "[" + i + "]", value + " is not of type "
                        + String.join(" or ", types));
            }
            list.add(value);
        }
        StringBuilder description = new StringBuilder("one of ");
        for (int i = 0; i < list.size(); i++) {
            description.append(i == 0 ? "" : ", ").append(JsonText.canonical(list.get(i)));
        }
        return literal(list, description.toString());
    }

    private static LiteralNode literal(List<JsonElement> values, String description) {
        byte[][] texts = new byte[values.size()][];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = JsonText.canonicalBytes(values.get(i));
        }
        return new LiteralNode(values, texts, description);
    }

    private static int count(JsonObject object, String keyword, String path) {
        JsonElement value = object.get(keyword);
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber() && isIntegral(value)) {
            BigDecimal number = value.getAsBigDecimal();
            if (number.signum() >= 0 && number.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) <= 0) {
                return number.intValueExact();
            }
        }
        throw new InvalidSchemaException(path + "." + keyword, "must be a non-negative integer, got " + value);
    }

    static boolean isIntegral(JsonElement number) {
        try {
            return number.getAsBigDecimal().stripTrailingZeros().scale() <= 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean isString(JsonElement e) {
        return e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
    }

    /** The JSON type name of a value, as schemas spell it ("number" for every number). */
    static String kindOf(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return "null";
        }
        if (e.isJsonObject()) {
            return "object";
        }
        if (e.isJsonArray()) {
            return "array";
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        return p.isBoolean() ? "boolean" : p.isNumber() ? "number" : "string";
    }

    /** A path step to an object member: {@code .name}, or {@code ["odd name"]} when it is not a plain name. */
    static String member(String name) {
        return PLAIN_NAME.matcher(name).matches() ? "." + name : "[" + JsonText.quote(name) + "]";
    }
}
