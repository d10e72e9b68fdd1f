package org.phi3vspark.model.generate.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The byte-level grammar: what it accepts and rejects, and its shortest completions. */
class JsonGrammarTest {
    private static final String CHART = JsonTestSupport.CHART_SCHEMA;
    private static final String INVOICE = JsonTestSupport.INVOICE_SCHEMA;

    /** The frame after {@code bytes} from the start, or null where the grammar rejects them. */
    private static Frame walk(JsonGrammar grammar, byte[] bytes) {
        Frame frame = grammar.start();
        for (int i = 0; i < bytes.length && frame != null; i++) {
            frame = grammar.step(frame, bytes[i] & 0xFF);
        }
        return frame;
    }

    private static boolean accepts(String schema, String text) {
        return accepts(schema, text.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean accepts(String schema, byte[] text) {
        JsonGrammar grammar = new JsonGrammar(JsonSchema.parse(schema).root(), true);
        Frame frame = walk(grammar, text);
        return frame != null && grammar.accepting(frame);
    }

    private static String type(String type) {
        return "{\"type\": \"" + type + "\"}";
    }

    @Test
    void compactLayoutWithOptionalSingleSpacesIsAccepted() {
        String schema = """
                {"type": "object", "properties": {"a": {"type": "integer"},
                 "b": {"type": "array", "items": {"type": "integer"}}}, "required": ["a", "b"]}""";
        assertTrue(accepts(schema, "{\"a\": 1, \"b\": [1, 2]}"));
        assertTrue(accepts(schema, "{\"a\":1,\"b\":[1,2]}"));
        assertTrue(accepts(schema, " {\"a\":1,\"b\":[]}"), "the one leading space the decoder drops");
        for (String bad : new String[] {"{\"a\":  1,\"b\":[]}", "{ \"a\":1,\"b\":[]}", "{\"a\" :1,\"b\":[]}",
            "{\"a\":1,\"b\":[] }", "{\"a\":1,\"b\":[]} ", "  {\"a\":1,\"b\":[]}", "{\"a\":1,\n\"b\":[]}",
            "{\"a\":1,\"b\":[ 1]}", "{\"a\":1,\"b\":[1 ]}", "{\"a\":1,\"b\":[1,2,]}"}) {
            assertFalse(accepts(schema, bad), bad);
        }
    }

    @Test
    void theLeadingSpaceIsAllowedOnlyWhenTheDecoderDropsIt() {
        JsonGrammar keeps = new JsonGrammar(JsonSchema.parse(type("null")).root(), false);
        assertNull(walk(keeps, " null".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void propertiesComeInDeclarationOrderAndOptionalOnesMayBeSkipped() {
        assertTrue(accepts(INVOICE, "{\"invoice_id\":\"A\",\"status\":\"paid\",\"paid\":true,\"line_count\":1,"
                + "\"lines\":[{\"item\":\"x\",\"qty\":1,\"price\":1}]}"));
        assertTrue(accepts(INVOICE, "{\"invoice_id\":\"A\",\"status\":\"paid\",\"paid\":true,\"line_count\":1,"
                + "\"notes\":null,\"lines\":[{\"item\":\"x\",\"qty\":1,\"price\":1}]}"));
        assertFalse(accepts(INVOICE, "{\"status\":\"paid\",\"invoice_id\":\"A\",\"paid\":true,\"line_count\":1,"
                + "\"lines\":[{\"item\":\"x\",\"qty\":1,\"price\":1}]}"), "out of order");
        assertFalse(accepts(INVOICE, "{\"invoice_id\":\"A\",\"status\":\"paid\",\"line_count\":1,"
                + "\"lines\":[{\"item\":\"x\",\"qty\":1,\"price\":1}]}"), "a required property skipped");
        assertFalse(accepts(INVOICE, "{\"invoice_id\":\"A\",\"status\":\"paid\",\"paid\":true,\"line_count\":1,"
                + "\"lines\":[{\"item\":\"x\",\"qty\":1,\"price\":1}],\"total\":1}"), "an extra property");
        assertTrue(accepts(type("object"), "{}"));
        assertFalse(accepts(type("object"), "{\"a\":1}"));
    }

    @Test
    void stringsAreValidJsonAndValidUtf8() {
        String string = type("string");
        for (String good : new String[] {"\"\"", "\"a b\"", "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"",
            "\"\\u00e9\\u4E2D\"", "\"\u00e9\u4e2d\uD834\uDD1E\"", "\"\u007f\""}) {
            assertTrue(accepts(string, good), good);
        }
        for (String bad : new String[] {"\"a\nb\"", "\"\\x\"", "\"\\ud83d\\ude00\"", "\"\\uDBFF\"", "\"\\u12\"",
            "\"unclosed", "'single'"}) {
            assertFalse(accepts(string, bad), bad);
        }
        byte[][] invalidUtf8 = {{'"', (byte) 0xC0, (byte) 0x80, '"'}, {'"', (byte) 0xE0, (byte) 0x80, (byte) 0x80, '"'},
            {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'}, {'"', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80,
                '"'}, {'"', (byte) 0xC3, '"'}, {'"', (byte) 0x80, '"'}, {'"', (byte) 0xFF, '"'}};
        for (byte[] bad : invalidUtf8) {
            assertFalse(accepts(string, bad), Arrays.toString(bad));
        }
    }

    @Test
    void maxLengthCountsCodePointsAndEscapes() {
        String three = "{\"type\": \"string\", \"maxLength\": 3}";
        assertTrue(accepts(three, "\"abc\""));
        assertTrue(accepts(three, "\"\u00e9\\n\uD834\uDD1E\""));
        assertFalse(accepts(three, "\"abcd\""));
        assertFalse(accepts(three, "\"ab\\u0041c\""));
        assertTrue(accepts("{\"type\": \"string\", \"maxLength\": 0}", "\"\""));
    }

    @Test
    void numbersFollowJsonWithBoundedDigits() {
        String number = type("number");
        String integer = type("integer");
        for (String good : new String[] {"0", "-0", "12.5", "1e10", "1E+2", "-3.25e-7", "0.5",
            "123456789012345678", "1.123456789012345678e99"}) {
            assertTrue(accepts(number, good), good);
        }
        for (String bad : new String[] {"01", "1.", ".5", "+1", "1e", "-", "1e100", "1234567890123456789", "1.e5",
            "--1", "0x10"}) {
            assertFalse(accepts(number, bad), bad);
        }
        assertTrue(accepts(integer, "-42"));
        assertFalse(accepts(integer, "1.0"));
        assertFalse(accepts(integer, "1e3"));
    }

    @Test
    void enumsBooleansNullsAndUnions() {
        assertTrue(accepts(CHART.replace("\"enum\": [\"bar\", \"line\", \"pie\", \"scatter\"]",
                "\"enum\": [\"bar\"]"), "{\"chart_type\":\"bar\",\"title\":\"\",\"x_label\":\"\",\"y_label\":\"\","
                + "\"series\":[]}"));
        String numbers = "{\"type\": \"array\", \"items\": {\"enum\": [1, 12, \"a\", null]}}";
        assertTrue(accepts(numbers, "[1, 12, \"a\", null]"));
        assertFalse(accepts(numbers, "[13]"));
        assertFalse(accepts(numbers, "[\"ab\"]"));
        assertTrue(accepts(type("boolean"), "false"));
        assertFalse(accepts(type("boolean"), "fals"));
        String nullable = "{\"type\": [\"string\", \"null\"]}";
        assertTrue(accepts(nullable, "null"));
        assertTrue(accepts(nullable, "\"x\""));
        assertFalse(accepts(nullable, "1"));
        assertTrue(accepts("{\"type\": [\"integer\", \"number\"]}", "2.5"));
    }

    @Test
    void arrayBoundsAreKept() {
        String bounded = "{\"type\": \"array\", \"items\": {\"type\": \"integer\"}, \"minItems\": 1, \"maxItems\": 2}";
        assertFalse(accepts(bounded, "[]"));
        assertTrue(accepts(bounded, "[1]"));
        assertTrue(accepts(bounded, "[1, 2]"));
        assertFalse(accepts(bounded, "[1, 2, 3]"));
        String none = "{\"type\": \"array\", \"items\": {\"type\": \"integer\"}, \"maxItems\": 0}";
        assertTrue(accepts(none, "[]"));
        assertFalse(accepts(none, "[1]"));
    }

    @Test
    void everyRandomConformingDocumentIsAcceptedAndValidates() {
        for (String schemaText : new String[] {CHART, INVOICE}) {
            JsonSchema schema = JsonSchema.parse(schemaText);
            RandomDocuments documents = new RandomDocuments(7);
            for (int i = 0; i < 300; i++) {
                String text = documents.next(schema);
                assertEquals(Optional.empty(), JsonTestSupport.problem(schema, text), text);
                assertTrue(accepts(schemaText, text), text);
            }
        }
    }

    @Test
    void shortestCompletionsFinishEveryPrefixAndFollowOnePath() {
        for (String schemaText : new String[] {CHART, INVOICE}) {
            JsonSchema schema = JsonSchema.parse(schemaText);
            JsonGrammar grammar = new JsonGrammar(schema.root(), true);
            RandomDocuments documents = new RandomDocuments(11);
            for (int i = 0; i < 40; i++) {
                byte[] text = documents.next(schema).getBytes(StandardCharsets.UTF_8);
                for (int cut = 0; cut <= text.length; cut++) {
                    Frame frame = walk(grammar, Arrays.copyOf(text, cut));
                    assertNotNull(frame);
                    byte[] completion = grammar.shortestCompletion(frame);
                    String completed = new String(Arrays.copyOf(text, cut), StandardCharsets.UTF_8)
                            + new String(completion, StandardCharsets.UTF_8);
                    Frame end = frame;
                    for (int k = 0; k < completion.length; k++) {
                        end = grammar.step(end, completion[k] & 0xFF);
                        assertNotNull(end, completed);
                        // the path is stable: after its first byte, the rest is the shortest completion
                        assertArrayEquals(Arrays.copyOfRange(completion, k + 1, completion.length),
                                grammar.shortestCompletion(end), completed);
                    }
                    assertTrue(grammar.accepting(end), completed);
                    assertEquals(Optional.empty(), JsonTestSupport.problem(schema, completed), completed);
                }
            }
        }
    }

    @Test
    void theShortestValueSkipsOptionalPropertiesAndFillsMinimumItems() {
        JsonGrammar grammar = new JsonGrammar(JsonSchema.parse(INVOICE).root(), true);
        assertEquals("{\"invoice_id\":\"\",\"status\":\"due\",\"paid\":true,\"line_count\":0,"
                + "\"lines\":[{\"item\":\"\",\"qty\":0,\"price\":0}]}",
                new String(grammar.shortestCompletion(grammar.start()), StandardCharsets.UTF_8));
    }
}
