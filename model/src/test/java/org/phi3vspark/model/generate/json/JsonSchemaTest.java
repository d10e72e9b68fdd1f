package org.phi3vspark.model.generate.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParseException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Parsing the supported subset, errors that name the keyword and its path, and validation of values. */
class JsonSchemaTest {
    private final JsonSchema chart = JsonSchema.parse(JsonTestSupport.CHART_SCHEMA);
    private final JsonSchema invoice = JsonSchema.parse(JsonTestSupport.INVOICE_SCHEMA);

    private static String error(String schema) {
        return assertThrows(InvalidSchemaException.class, () -> JsonSchema.parse(schema)).getMessage();
    }

    @Test
    void unsupportedKeywordsAreNamedWithTheirPath() {
        assertEquals("$.properties.series.items: \"oneOf\" is not supported", error("""
                {"type": "object", "properties": {"series": {"type": "array", "items": {"oneOf": []}}}}"""));
        assertEquals("$: \"pattern\" is not supported", error("{\"type\": \"string\", \"pattern\": \"a+\"}"));
        assertEquals("$.properties.a", assertThrows(InvalidSchemaException.class, () -> JsonSchema.parse(
                "{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"string\", \"format\": \"date\"}}}"))
                .path());
        assertEquals("$.properties[\"x-y\"]: \"$ref\" is not supported",
                error("{\"type\": \"object\", \"properties\": {\"x-y\": {\"$ref\": \"#\"}}}"));
    }

    @Test
    void objectRulesAreChecked() {
        assertTrue(error("{\"type\": \"object\", \"additionalProperties\": true}")
                .startsWith("$.additionalProperties: must be false"));
        assertTrue(error("{\"type\": \"object\", \"additionalProperties\": {\"type\": \"string\"}}")
                .startsWith("$.additionalProperties: must be false"));
        assertEquals("$.required: \"b\" is not in \"properties\" (additional properties are off)",
                error("{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"null\"}}, \"required\": [\"b\"]}"));
    }

    @Test
    void arrayRulesAreChecked() {
        assertEquals("$: an array needs \"items\"", error("{\"type\": \"array\"}"));
        assertEquals("$.items: a list of item schemas (tuple) is not supported",
                error("{\"type\": \"array\", \"items\": [{\"type\": \"string\"}]}"));
        assertEquals("$: minItems 3 is greater than maxItems 2",
                error("{\"type\": \"array\", \"items\": {\"type\": \"string\"}, \"minItems\": 3, \"maxItems\": 2}"));
        assertEquals("$.maxItems: must be a non-negative integer, got -1",
                error("{\"type\": \"array\", \"items\": {\"type\": \"string\"}, \"maxItems\": -1}"));
    }

    @Test
    void typesAndEnumsAreChecked() {
        assertEquals("$: \"maxLength\" applies to type string, but the type is object",
                error("{\"type\": \"object\", \"maxLength\": 3}"));
        assertTrue(error("{\"type\": \"date\"}").startsWith("$.type: \"date\" is not a JSON type"));
        assertEquals("$: a schema needs \"type\" or \"enum\"", error("{\"description\": \"anything\"}"));
        assertEquals("$.enum[1]: enum values must be strings, numbers, booleans or null, got object",
                error("{\"enum\": [\"a\", {}]}"));
        assertEquals("$.enum[0]: 3 is not of type string", error("{\"type\": \"string\", \"enum\": [3]}"));
        assertEquals("$: \"maxLength\" cannot be combined with \"enum\"",
                error("{\"type\": \"string\", \"enum\": [\"a\"], \"maxLength\": 1}"));
        assertEquals("$.enum: must be a non-empty array of values", error("{\"enum\": []}"));
    }

    @Test
    void schemaTextMustBeAJsonObject() {
        assertTrue(error("{\"type\": ").startsWith("$: not valid JSON"));
        assertEquals("$: a schema must be a JSON object, got array", error("[]"));
        assertEquals("$.items: a schema must be a JSON object, got boolean",
                error("{\"type\": \"array\", \"items\": true}"));
    }

    @Test
    void annotationsAreIgnored() {
        JsonSchema schema = JsonSchema.parse("""
                {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "t", "description": "d",
                 "type": "object", "properties": {"a": {"type": "integer", "default": 1, "examples": [2]}}}""");
        assertEquals(Optional.empty(), schema.validate(StrictJson.parse("{\"a\": 5}")));
    }

    @Test
    void conformingValuesValidateWhateverTheirOrderAndLayout() {
        assertEquals(Optional.empty(), chart.validate(StrictJson.parse("""
                {"title": "Sales", "chart_type": "bar", "x_label": "month", "y_label": "units",
                 "series": [{"name": "2024", "points": [{"x": "Jan", "y": 3}, {"y": -2.5e1, "x": "Feb"}]}]}""")));
        assertEquals(Optional.empty(), invoice.validate(StrictJson.parse("""
                {"invoice_id": "A-1", "status": "due", "paid": false, "line_count": 2.0, "notes": null,
                 "lines": [{"item": "bolt", "qty": 10, "price": 0.25}]}""")));
    }

    @Test
    void theFirstViolationIsReportedWithTheValuePath() {
        assertEquals("$.series[0].points[1].y: expected number, got \"high\"", chart.validate(StrictJson.parse("""
                {"chart_type": "bar", "title": "", "x_label": "", "y_label": "",
                 "series": [{"name": "a", "points": [{"x": "1", "y": 1}, {"x": "2", "y": "high"}]}]}"""))
                .orElseThrow().toString());
        assertEquals("$: required property \"series\" is missing", chart.validate(StrictJson.parse("""
                {"chart_type": "bar", "title": "", "x_label": "", "y_label": ""}""")).orElseThrow().toString());
        assertEquals("$.chart_type: expected one of \"bar\", \"line\", \"pie\", \"scatter\", got \"area\"",
                chart.validate(StrictJson.parse("""
                {"chart_type": "area", "title": "", "x_label": "", "y_label": "", "series": []}"""))
                        .orElseThrow().toString());
        String base = "\"status\": \"paid\", \"paid\": true, \"line_count\": 1";
        assertEquals("$: property \"total\" is not allowed", violation(invoice,
                "{\"invoice_id\": \"A\", " + base + ", \"lines\": [{\"item\": \"x\", \"qty\": 1, \"price\": 1}],"
                        + " \"total\": 1}"));
        assertEquals("$.invoice_id: string of 13 characters is longer than maxLength 12", violation(invoice,
                "{\"invoice_id\": \"ABCDEFGHIJKLM\", " + base + ", \"lines\": [{\"item\": \"x\", \"qty\": 1, "
                        + "\"price\": 1}]}"));
        assertEquals("$.lines: array of 0 items has fewer than minItems 1",
                violation(invoice, "{\"invoice_id\": \"A\", " + base + ", \"lines\": []}"));
        assertEquals("$.line_count: expected integer, got 1.5", violation(invoice,
                "{\"invoice_id\": \"A\", \"status\": \"paid\", \"paid\": true, \"line_count\": 1.5, \"lines\": []}"));
        assertEquals("$.notes: expected string or null, got 3", violation(invoice,
                "{\"invoice_id\": \"A\", " + base + ", \"notes\": 3, \"lines\": [{\"item\": \"x\", \"qty\": 1, "
                        + "\"price\": 1}]}"));
    }

    @Test
    void maxLengthCountsCodePoints() {
        JsonSchema two = JsonSchema.parse("{\"type\": \"string\", \"maxLength\": 2}");
        assertEquals(Optional.empty(), two.validate(StrictJson.parse("\"\uD834\uDD1E\u00e9\""))); // 𝄞é
        assertTrue(two.validate(StrictJson.parse("\"abc\"")).isPresent());
    }

    @Test
    void strictParsingRejectsWhatLenientGsonAccepts() {
        for (String text : new String[] {"hello", "{'a': 1}", "{\"a\": 1} x", "[1,]", "// c\n1", "NaN", ""}) {
            assertThrows(JsonParseException.class, () -> StrictJson.parse(text), text);
        }
        assertEquals(3, StrictJson.parse(" [1, 2, 3] ").getAsJsonArray().size());
    }

    private static String violation(JsonSchema schema, String json) {
        return schema.validate(StrictJson.parse(json)).map(SchemaViolation::toString).orElse("valid");
    }
}
