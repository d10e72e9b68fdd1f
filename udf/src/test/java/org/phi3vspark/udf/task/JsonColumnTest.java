package org.phi3vspark.udf.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.phi3vspark.udf.row.Structs;

/** The json_<task> column: its Spark type follows the task's schema, and answers land in it as typed values. */
class JsonColumnTest {

    /** Required keys, an enum, a boolean, an integer, a nullable string, a nested array of objects. */
    static final String INVOICE_SCHEMA = read(Path.of("..", "testdata", "schemas", "invoice.schema.json"));

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }


    static TaskSchema schema(String json) {
        return TaskSchema.of(JsonParser.parseString(json));
    }

    static DataType type(String json) {
        return JsonColumn.of("t", schema(json)).type();
    }

    @Test
    void theColumnTypeFollowsTheSchema() {
        JsonColumn column = JsonColumn.of("invoice", schema(INVOICE_SCHEMA));
        assertEquals("json_invoice", column.name());
        StructType line = new StructType().add("item", DataTypes.StringType).add("qty", DataTypes.LongType)
                .add("price", DataTypes.DoubleType);
        StructType expected = new StructType().add("invoice_id", DataTypes.StringType)
                .add("status", DataTypes.StringType).add("paid", DataTypes.BooleanType)
                .add("line_count", DataTypes.LongType).add("notes", DataTypes.StringType)
                .add("lines", DataTypes.createArrayType(line, true));
        assertEquals(expected, column.type());
        assertEquals(DataTypes.createArrayType(DataTypes.DoubleType, true),
                type("{\"type\": \"array\", \"items\": {\"type\": \"number\"}}"));
        assertEquals(DataTypes.DoubleType, type("{\"enum\": [1, 2.5]}"), "numbers, some whole");
        assertEquals(DataTypes.LongType, type("{\"enum\": [1, 2, null]}"));
    }

    @Test
    void theChartSchemaHasTheChartColumnsShape() {
        StructType chart = Structs.CHART.schema();
        StructType withoutParseError = new StructType(Arrays.stream(chart.fields())
                .filter(f -> !f.name().equals(Structs.PARSE_ERROR.name())).toArray(StructField[]::new));
        assertEquals(withoutParseError, JsonColumn.of("chart", TaskRegistry.builtIn().get("chart").schema()).type());
    }

    @Test
    void answersBecomeTypedValues() {
        JsonColumn column = JsonColumn.of("invoice", schema(INVOICE_SCHEMA));
        Row row = (Row) column.toSpark(JsonParser.parseString("""
                {"invoice_id": "INV-1", "status": "due", "paid": false, "line_count": 2,
                 "lines": [{"item": "bolts", "qty": 100, "price": 0.05}, {"item": "nuts", "qty": 7, "price": 12}]}
                """));
        assertEquals(column.type(), row.schema());
        assertEquals("INV-1", row.getAs("invoice_id"));
        assertEquals(false, row.getAs("paid"));
        assertEquals(2L, (Long) row.getAs("line_count"));
        assertNull(row.getAs("notes"), "an optional property left out is null");
        List<Row> lines = row.getList(row.fieldIndex("lines"));
        assertEquals(List.of("bolts", 100L, 0.05),
                List.of(lines.get(0).get(0), lines.get(0).get(1), lines.get(0).get(2)));
        assertEquals(12.0, lines.get(1).getDouble(2));

        JsonColumn count = JsonColumn.of("count", schema("{\"type\": \"integer\"}"));
        assertEquals(2L, count.toSpark(JsonParser.parseString("2.0")), "2.0 is an integer in JSON Schema");
        var tooBig = assertThrows(IllegalArgumentException.class,
                () -> count.toSpark(JsonParser.parseString("123456789012345678901")));
        assertEquals("$: 123456789012345678901 does not fit a bigint", tooBig.getMessage());
    }

    @Test
    void aSchemaWithoutOneColumnTypeIsRejectedNamingItsPath() {
        assertRejected("{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"object\"}}}",
                "json_schema $.properties.a: an object without properties has no fields to make a struct of");
        assertRejected("{\"type\": \"array\", \"items\": {\"type\": [\"string\", \"number\"]}}",
                "json_schema $.items: a value of type string or number has no one column type; give it one type"
                        + " (null may be allowed besides)");
        assertRejected("{\"type\": \"object\", \"properties\": {\"odd key\": {\"enum\": [\"a\", 1]}}}",
                "json_schema $.properties[\"odd key\"]: enum values of several types [\"a\", 1] have no one column"
                        + " type");
        assertRejected("{\"type\": \"null\"}", "json_schema $: a value that can only be null has no column type");
        assertRejected("{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"string\"},"
                        + " \"A\": {\"type\": \"string\"}}}",
                "json_schema $: properties \"a\" and \"A\" differ only in case, and Spark's column names do not");
    }

    private static void assertRejected(String schema, String message) {
        var e = assertThrows(IllegalArgumentException.class, () -> JsonColumn.of("t", schema(schema)));
        assertEquals(message, e.getMessage());
    }
}
