package org.phi3vspark.udf.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.phi3vspark.model.generate.GenerationConfig;

class OutputParsersTest {

    /** A built-in task's answer, decoded freely (constrained decoding off): charts are read leniently. */
    static ParsedOutput free(String task, String answer) {
        return OutputParsers.parse(TaskRegistry.builtIn().get(task), false, answer);
    }

    @Test
    void chartInAFenceWithNumericStrings() {
        String answer = """
                Here is the data:
                ```json
                {"chart_type": "bar", "title": "Sales 2023", "x_label": "Quarter", "y_label": "Revenue ($M)",
                 "series": [{"name": "North", "points": [{"x": "Q1", "y": "1,200"}, {"x": "Q2", "y": 45.5}]},
                            {"name": "South", "points": [["Q1", 3], ["Q2", "$4.25"]]}]}
                ```
                """;
        ChartResult c = free("chart", answer).chart();
        assertNull(c.parseError());
        assertEquals("bar", c.chartType());
        assertEquals("Sales 2023", c.title());
        assertEquals("Quarter", c.xLabel());
        assertEquals("Revenue ($M)", c.yLabel());
        assertEquals(2, c.series().size());
        assertEquals(List.of(new ChartResult.Point("Q1", 1200.0), new ChartResult.Point("Q2", 45.5)),
                c.series().get(0).points());
        assertEquals(List.of(new ChartResult.Point("Q1", 3.0), new ChartResult.Point("Q2", 4.25)),
                c.series().get(1).points());
    }

    @Test
    void chartWithSingleQuotesAndNumericX() {
        ChartResult c = free("chart",
                "{'type': 'line', 'title': 'T', 'series': [{'name': 'a', 'points': [{'x': 2019, 'y': 1}]}]}").chart();
        assertNull(c.parseError());
        assertEquals("line", c.chartType());
        assertEquals("2019", c.series().get(0).points().get(0).x());
    }

    @Test
    void unparseableChartKeepsTheReason() {
        ParsedOutput p = free("chart", "The chart shows growth.");
        assertNotNull(p.parseError());
        assertNull(p.chart().chartType());
        ParsedOutput broken = free("chart", "{\"chart_type\": \"bar\", \"series\": [}");
        assertNotNull(broken.parseError());
        ParsedOutput notArray = free("chart", "{\"series\": 3}");
        assertEquals("\"series\" is not an array", notArray.parseError());
    }

    @Test
    void ocrKeepsNonEmptyLinesInOrder() {
        OcrResult o = free("ocr", "  INVOICE 42\n\nDate: 2024-01-02  \r\nTotal: $10\n").ocr();
        assertEquals("INVOICE 42\n\nDate: 2024-01-02  \r\nTotal: $10", o.text());
        assertEquals(List.of("  INVOICE 42", "Date: 2024-01-02", "Total: $10"), o.lines());
    }

    @Test
    void captionIsTrimmedAndCustomTasksHaveNoTypedColumn() {
        assertEquals("A cat.", free("caption", "\n A cat. \n").caption());
        assertEquals(ParsedOutput.NONE, OutputParsers.parse(TaskPreset.custom("notes", "x"), false, "anything"));
    }

    static final TaskPreset INVOICE = new TaskPreset("invoice", "Read the invoice.", 16, 4, GenerationConfig.DEFAULTS,
            OutputKind.JSON, JsonColumnTest.schema(JsonColumnTest.INVOICE_SCHEMA));
    static final String INVOICE_ANSWER = "{\"invoice_id\": \"INV-1\", \"status\": \"due\", \"paid\": true,"
            + " \"line_count\": 1, \"lines\": [{\"item\": \"bolts\", \"qty\": 100, \"price\": 0.05}]}";

    @Test
    void aConstrainedAnswerIsTheValueItselfCheckedAgainstTheSchema() {
        ParsedOutput ok = OutputParsers.parse(INVOICE, true, INVOICE_ANSWER);
        assertNull(ok.parseError());
        assertEquals(INVOICE.jsonColumn().toSpark(JsonParser.parseString(INVOICE_ANSWER)), ok.json());

        ParsedOutput late = OutputParsers.parse(INVOICE, true, INVOICE_ANSWER.replace("\"due\"", "\"late\""));
        assertNull(late.json());
        assertTrue(late.parseError().startsWith("does not match the task's json_schema: $.status: expected one of"),
                late.parseError());
        ParsedOutput fenced = OutputParsers.parse(INVOICE, true, "```json\n" + INVOICE_ANSWER + "\n```");
        assertTrue(fenced.parseError().startsWith("invalid JSON"), "constrained output is exactly the value");

        TaskPreset chart = TaskRegistry.builtIn().get("chart");
        String answer = "{\"chart_type\": \"bar\", \"title\": \"T\", \"x_label\": \"\", \"y_label\": \"\","
                + " \"series\": [{\"name\": \"s\", \"points\": [{\"x\": \"Q1\", \"y\": 2.5}]}]}";
        ChartResult c = OutputParsers.parse(chart, true, answer).chart();
        assertNull(c.parseError());
        assertEquals(List.of(new ChartResult.Point("Q1", 2.5)), c.series().get(0).points());
        ParsedOutput noSeries = OutputParsers.parse(chart, true, "{\"chart_type\": \"bar\", \"title\": \"T\","
                + " \"x_label\": \"\", \"y_label\": \"\"}");
        assertEquals("does not match the task's json_schema: $: required property \"series\" is missing",
                noSeries.parseError());
        assertEquals(noSeries.parseError(), noSeries.chart().parseError(), "the chart column says why too");
    }

    @Test
    void aFreelyDecodedAnswerMayBeFencedOrInProseButMustConform() {
        assertNull(OutputParsers.parse(INVOICE, false, "Sure:\n```json\n" + INVOICE_ANSWER + "\n```").parseError());
        ParsedOutput prose = OutputParsers.parse(INVOICE, false, "The invoice: " + INVOICE_ANSWER + " Hope it helps.");
        assertEquals(OutputParsers.parse(INVOICE, true, INVOICE_ANSWER), prose);
        assertTrue(OutputParsers.parse(INVOICE, false, "No invoice here.").parseError().startsWith("invalid JSON"));
        ParsedOutput missing = OutputParsers.parse(INVOICE, false, "{\"invoice_id\": \"INV-1\"}");
        assertEquals("does not match the task's json_schema: $: required property \"status\" is missing",
                missing.parseError());
    }
}
