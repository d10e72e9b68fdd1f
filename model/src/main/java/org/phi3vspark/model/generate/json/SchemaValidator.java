package org.phi3vspark.model.generate.json;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.util.Optional;
import org.phi3vspark.model.generate.json.SchemaNode.ArrayNode;
import org.phi3vspark.model.generate.json.SchemaNode.LiteralNode;
import org.phi3vspark.model.generate.json.SchemaNode.NumberNode;
import org.phi3vspark.model.generate.json.SchemaNode.ObjectNode;
import org.phi3vspark.model.generate.json.SchemaNode.Property;
import org.phi3vspark.model.generate.json.SchemaNode.StringNode;
import org.phi3vspark.model.generate.json.SchemaNode.UnionNode;

/**
 * Checks a parsed JSON value against a schema with JSON Schema's meaning: property order and formatting do not
 * matter, 2.0 is an integer, lengths count code points. Everything the grammar generates passes; some values
 * that pass are not generated (the grammar emits one canonical form).
 */
final class SchemaValidator {
    private SchemaValidator() {}

    static Optional<SchemaViolation> validate(SchemaNode node, JsonElement value, String path) {
        if (node instanceof ObjectNode object) {
            return validateObject(object, value, path);
        }
        if (node instanceof ArrayNode array) {
            return validateArray(array, value, path);
        }
        if (node instanceof StringNode string) {
            if (!isString(value)) {
                return wrongType(node, value, path);
            }
            int length = value.getAsString().codePointCount(0, value.getAsString().length());
            return string.maxLength >= 0 && length > string.maxLength
                    ? violation(path, "string of " + length + " characters is longer than maxLength "
                            + string.maxLength)
                    : Optional.empty();
        }
        if (node instanceof NumberNode number) {
            boolean isNumber = value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber();
            return isNumber && (!number.integer || SchemaParser.isIntegral(value))
                    ? Optional.empty()
                    : wrongType(node, value, path);
        }
        if (node instanceof LiteralNode literal) {
            for (JsonElement allowed : literal.values) {
                if (sameValue(allowed, value)) {
                    return Optional.empty();
                }
            }
            return wrongType(node, value, path);
        }
        UnionNode union = (UnionNode) node;
        for (SchemaNode alternative : union.alternatives) {
            if (validate(alternative, value, path).isEmpty()) {
                return Optional.empty();
            }
        }
        // report the alternative of the value's own type, which says more than "expected string or null"
        for (SchemaNode alternative : union.alternatives) {
            if (alternative.describe().equals(SchemaParser.kindOf(value))) {
                return validate(alternative, value, path);
            }
        }
        return wrongType(node, value, path);
    }

    private static Optional<SchemaViolation> validateObject(ObjectNode node, JsonElement value, String path) {
        if (!value.isJsonObject()) {
            return wrongType(node, value, path);
        }
        JsonObject object = value.getAsJsonObject();
        for (String key : object.keySet()) {
            if (node.properties.stream().noneMatch(p -> p.name().equals(key))) {
                return violation(path, "property " + JsonText.quote(key) + " is not allowed");
            }
        }
        for (Property property : node.properties) {
            JsonElement member = object.get(property.name());
            if (member == null) {
                if (property.required()) {
                    return violation(path, "required property " + JsonText.quote(property.name())
                            + " is missing");
                }
                continue;
            }
            Optional<SchemaViolation> inner = validate(property.value(), member,
                    path + SchemaParser.member(property.name()));
            if (inner.isPresent()) {
                return inner;
            }
        }
        return Optional.empty();
    }

    private static Optional<SchemaViolation> validateArray(ArrayNode node, JsonElement value, String path) {
        if (!value.isJsonArray()) {
            return wrongType(node, value, path);
        }
        JsonArray array = value.getAsJsonArray();
        if (array.size() < node.minItems) {
            return violation(path, "array of " + array.size() + " items has fewer than minItems " + node.minItems);
        }
        if (node.maxItems >= 0 && array.size() > node.maxItems) {
            return violation(path, "array of " + array.size() + " items has more than maxItems " + node.maxItems);
        }
        for (int i = 0; i < array.size(); i++) {
            Optional<SchemaViolation> inner = validate(node.items, array.get(i), path + "[" + i + "]");
            if (inner.isPresent()) {
                return inner;
            }
        }
        return Optional.empty();
    }

    /** JSON equality of scalars: numbers by value (1 equals 1.0), everything else by type and content. */
    private static boolean sameValue(JsonElement a, JsonElement b) {
        if (a.isJsonPrimitive() && b.isJsonPrimitive()) {
            JsonPrimitive x = a.getAsJsonPrimitive();
            JsonPrimitive y = b.getAsJsonPrimitive();
            if (x.isNumber() && y.isNumber()) {
                return new BigDecimal(x.getAsString()).compareTo(new BigDecimal(y.getAsString())) == 0;
            }
            return x.isNumber() == y.isNumber() && x.isBoolean() == y.isBoolean() && x.isString() == y.isString()
                    && x.getAsString().equals(y.getAsString());
        }
        return a.isJsonNull() && b.isJsonNull();
    }

    private static boolean isString(JsonElement value) {
        return value.isJsonPrimitive() && value.getAsJsonPrimitive().isString();
    }

    private static Optional<SchemaViolation> wrongType(SchemaNode node, JsonElement value, String path) {
        return violation(path, "expected " + node.describe() + ", got " + JsonText.abbreviate(value));
    }

    private static Optional<SchemaViolation> violation(String path, String message) {
        return Optional.of(new SchemaViolation(path, message));
    }
}
