package org.phi3vspark.model.generate.json;

import com.google.gson.JsonElement;
import java.util.List;

/**
 * One node of a parsed {@link JsonSchema}. Grammar frames refer to nodes by identity (two identical string
 * schemas at different places are different positions in the grammar), so these are classes, not records.
 * Callers outside the package read the schema's structure through the public accessors (to derive a typed
 * column from it, say); only the parser makes nodes.
 */
public sealed interface SchemaNode {

    /** The schema's JSON type names, for messages ("string", "string or null"). */
    String describe();

    /** A property of an object schema. */
    final class Property {
        private final String name;
        private final byte[] keyText;
        private final SchemaNode value;
        private final boolean required;

        /** @param keyText the key exactly as the grammar emits it, quotes included */
        Property(String name, byte[] keyText, SchemaNode value, boolean required) {
            this.name = name;
            this.keyText = keyText;
            this.value = value;
            this.required = required;
        }

        public String name() {
            return name;
        }

        byte[] keyText() {
            return keyText;
        }

        public SchemaNode value() {
            return value;
        }

        public boolean required() {
            return required;
        }
    }

    /**
     * An object with a fixed, ordered set of properties and no others. Properties are emitted in declaration
     * order; an optional property may be skipped, a required one never.
     */
    final class ObjectNode implements SchemaNode {
        final List<Property> properties;
        /** Index {@code last + 1} gives the first required property after {@code last} (size() if none). */
        private final int[] firstRequiredAfter;

        ObjectNode(List<Property> properties) {
            this.properties = List.copyOf(properties);
            int n = this.properties.size();
            firstRequiredAfter = new int[n + 1];
            int next = n;
            for (int i = n - 1; i >= -1; i--) {
                firstRequiredAfter[i + 1] = next;
                if (i >= 0 && this.properties.get(i).required()) {
                    next = i;
                }
            }
        }

        /** The properties in declaration order (the order they are generated in). */
        public List<Property> properties() {
            return properties;
        }

        /** Index of the first required property after index {@code last} (-1: none emitted yet), or size(). */
        int firstRequiredAfter(int last) {
            return firstRequiredAfter[last + 1];
        }

        /** Whether the object may close after property {@code last}: no required property follows it. */
        boolean mayCloseAfter(int last) {
            return firstRequiredAfter(last) == properties.size();
        }

        /** The last property index that may come next after {@code last}: up to and including the next required one. */
        int lastCandidateAfter(int last) {
            return Math.min(firstRequiredAfter(last), properties.size() - 1);
        }

        @Override
        public String describe() {
            return "object";
        }
    }

    /** An array of items of one schema, with an item count in [minItems, maxItems] (maxItems -1: unbounded). */
    final class ArrayNode implements SchemaNode {
        final SchemaNode items;
        final int minItems;
        final int maxItems;

        ArrayNode(SchemaNode items, int minItems, int maxItems) {
            this.items = items;
            this.minItems = minItems;
            this.maxItems = maxItems;
        }

        public SchemaNode items() {
            return items;
        }

        /** Item counts above this are indistinguishable to the grammar, so frames count only up to it. */
        int countCap() {
            return Math.max(minItems, maxItems);
        }

        @Override
        public String describe() {
            return "array";
        }
    }

    /** A free string of at most maxLength code points (-1: unbounded). */
    final class StringNode implements SchemaNode {
        final int maxLength;

        StringNode(int maxLength) {
            this.maxLength = maxLength;
        }

        @Override
        public String describe() {
            return "string";
        }
    }

    /** A JSON number, or an integer ({@code integer}: digits only, no fraction or exponent). */
    final class NumberNode implements SchemaNode {
        final boolean integer;

        NumberNode(boolean integer) {
            this.integer = integer;
        }

        /** Whether only integers are allowed ({@code "type": "integer"}). */
        public boolean integer() {
            return integer;
        }

        @Override
        public String describe() {
            return integer ? "integer" : "number";
        }
    }

    /**
     * One of a fixed list of scalar values: an enum, a boolean (true, false) or null. {@code texts} are the
     * values as the grammar emits them.
     */
    final class LiteralNode implements SchemaNode {
        final List<JsonElement> values;
        final byte[][] texts;
        private final String description;

        LiteralNode(List<JsonElement> values, byte[][] texts, String description) {
            this.values = List.copyOf(values);
            this.texts = texts;
            this.description = description;
        }

        /** The allowed values (copies: the node's own are shared by the grammar). */
        public List<JsonElement> values() {
            return values.stream().map(JsonElement::deepCopy).toList();
        }

        @Override
        public String describe() {
            return description;
        }
    }

    /**
     * A value of one of several types ({@code "type": ["string", "null"]}). The alternatives start with
     * different characters, so the first character of the value picks one.
     */
    final class UnionNode implements SchemaNode {
        final List<SchemaNode> alternatives;

        UnionNode(List<SchemaNode> alternatives) {
            this.alternatives = List.copyOf(alternatives);
        }

        public List<SchemaNode> alternatives() {
            return alternatives;
        }

        @Override
        public String describe() {
            StringBuilder out = new StringBuilder();
            for (SchemaNode alternative : alternatives) {
                out.append(out.length() == 0 ? "" : " or ").append(alternative.describe());
            }
            return out.toString();
        }
    }
}
