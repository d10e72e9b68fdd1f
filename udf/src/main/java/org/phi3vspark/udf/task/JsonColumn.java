package org.phi3vspark.udf.task;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.phi3vspark.model.generate.json.SchemaNode;

/**
 * The typed column of a task with {@code "output": "json"}: {@code json_<task>}, whose Spark type follows the
 * task's schema, so that SQL reads the answer's fields directly ({@code json_invoice.lines[0].qty}). An object
 * is a struct of its properties in declaration order, an array an array of its items, a string (or an enum of
 * strings) a string, a number a double, an integer a bigint, a boolean a boolean; a value that may also be null
 * ({@code ["string", "null"]}) has its other type. Every field is nullable: an optional property left out is
 * null. A schema that has no such type somewhere (an object without properties, a value of several types, only
 * null) is rejected when the task is defined, naming the JSON path.
 */
public record JsonColumn(String task, DataType type) implements Serializable {

    /** What the task name is prefixed with to name its column. */
    public static final String PREFIX = "json_";
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public static JsonColumn of(String task, TaskSchema schema) {
        return new JsonColumn(task, typeOf(schema.schema().root(), "$"));
    }

    public String name() {
        return PREFIX + task;
    }

    /**
     * The value as Spark's row encoder takes it for {@link #type()}: rows for structs, Scala sequences for
     * arrays. {@code value} must conform to the task's schema.
     *
     * @throws IllegalArgumentException naming the value's path when a number does not fit its column type
     */
    public Object toSpark(JsonElement value) {
        return toSpark(type, value, "$");
    }

    private static DataType typeOf(SchemaNode node, String path) {
        if (node instanceof SchemaNode.ObjectNode object) {
            return structOf(object, path);
        }
        if (node instanceof SchemaNode.ArrayNode array) {
            return DataTypes.createArrayType(typeOf(array.items(), path + ".items"), true);
        }
        if (node instanceof SchemaNode.StringNode) {
            return DataTypes.StringType;
        }
        if (node instanceof SchemaNode.NumberNode number) {
            return number.integer() ? DataTypes.LongType : DataTypes.DoubleType;
        }
        if (node instanceof SchemaNode.LiteralNode literal) {
            return literalType(literal.values(), path);
        }
        List<SchemaNode> typed = new ArrayList<>();
        for (SchemaNode alternative : ((SchemaNode.UnionNode) node).alternatives()) {
            if (!onlyNull(alternative)) {
                typed.add(alternative);
            }
        }
        if (typed.size() != 1) {
            throw unsupported(path, "a value of type " + node.describe() + " has no one column type; give it one"
                    + " type (null may be allowed besides)");
        }
        return typeOf(typed.get(0), path);
    }

    private static StructType structOf(SchemaNode.ObjectNode object, String path) {
        if (object.properties().isEmpty()) {
            throw unsupported(path, "an object without properties has no fields to make a struct of");
        }
        Map<String, String> lowerCase = new HashMap<>();
        List<StructField> fields = new ArrayList<>();
        for (SchemaNode.Property p : object.properties()) {
            String clash = lowerCase.put(p.name().toLowerCase(Locale.ROOT), p.name());
            if (clash != null) {
                throw unsupported(path, "properties \"" + clash + "\" and \"" + p.name() + "\" differ only in case,"
                        + " and Spark's column names do not");
            }
            fields.add(new StructField(p.name(), typeOf(p.value(), path + ".properties" + member(p.name())), true,
                    Metadata.empty()));
        }
        return new StructType(fields.toArray(new StructField[0]));
    }

    /** The one type of an enum's (or boolean's) values, null values aside. */
    private static DataType literalType(List<JsonElement> values, String path) {
        Set<DataType> types = new LinkedHashSet<>();
        for (JsonElement v : values) {
            if (v.isJsonNull()) {
                continue;
            }
            if (v.getAsJsonPrimitive().isBoolean()) {
                types.add(DataTypes.BooleanType);
            } else if (v.getAsJsonPrimitive().isString()) {
                types.add(DataTypes.StringType);
            } else {
                types.add(integral(v) ? DataTypes.LongType : DataTypes.DoubleType);
            }
        }
        if (types.equals(Set.of(DataTypes.LongType, DataTypes.DoubleType))) {
            return DataTypes.DoubleType; // numbers, some of them whole
        }
        if (types.size() != 1) {
            throw unsupported(path, types.isEmpty() ? "a value that can only be null has no column type"
                    : "enum values of several types " + values + " have no one column type");
        }
        return types.iterator().next();
    }

    private static boolean onlyNull(SchemaNode node) {
        return node instanceof SchemaNode.LiteralNode literal
                && literal.values().stream().allMatch(JsonElement::isJsonNull);
    }

    private static boolean integral(JsonElement number) {
        return number.getAsBigDecimal().stripTrailingZeros().scale() <= 0;
    }

    private static Object toSpark(DataType type, JsonElement value, String path) {
        if (value == null || value.isJsonNull()) {
            return null;
        }
        if (type instanceof StructType struct) {
            JsonObject object = value.getAsJsonObject();
            Object[] fields = new Object[struct.fields().length];
            for (int i = 0; i < fields.length; i++) {
                String name = struct.fields()[i].name();
                fields[i] = toSpark(struct.fields()[i].dataType(), object.get(name), path + member(name));
            }
            return new GenericRowWithSchema(fields, struct);
        }
        if (type instanceof ArrayType array) {
            JsonArray items = value.getAsJsonArray();
            List<Object> out = new ArrayList<>(items.size());
            for (int i = 0; i < items.size(); i++) {
                out.add(toSpark(array.elementType(), items.get(i), path + "[" + i + "]"));
            }
            return scala.jdk.javaapi.CollectionConverters.asScala(out).toList();
        }
        if (type == DataTypes.LongType) {
            try {
                return value.getAsBigDecimal().toBigIntegerExact().longValueExact();
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(path + ": " + value + " does not fit a bigint");
            }
        }
        if (type == DataTypes.DoubleType) {
            double d = value.getAsDouble();
            if (Double.isInfinite(d)) {
                throw new IllegalArgumentException(path + ": " + value + " does not fit a double");
            }
            return d;
        }
        if (type == DataTypes.BooleanType) {
            return value.getAsBoolean();
        }
        return value.getAsString();
    }

    private static IllegalArgumentException unsupported(String path, String problem) {
        return new IllegalArgumentException("json_schema " + path + ": " + problem);
    }

    /** A path step to a property: {@code .name}, or {@code ["odd name"]} (the schema parser's spelling). */
    private static String member(String name) {
        return PLAIN_NAME.matcher(name).matches() ? "." + name : "[" + new JsonPrimitive(name) + "]";
    }
}
