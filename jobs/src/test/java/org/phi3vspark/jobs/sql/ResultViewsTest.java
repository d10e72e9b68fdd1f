package org.phi3vspark.jobs.sql;

import org.phi3vspark.jobs.SharedSpark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultViewsTest {
    static final Instant DAY1 = Instant.parse("2024-03-14T10:00:00Z");
    static final Instant DAY2 = Instant.parse("2024-03-15T09:30:00Z");

    @TempDir
    static Path tmp;
    static Path table;

    /** Two runs: the second fixes one error, adds a newer caption and a new error. */
    static Path writeFixture(Path dir) throws Exception {
        return new SyntheticResults()
                .caption("r1", "img-a", DAY1, "old caption")
                .error("r1", "img-b", "caption", DAY1)
                .chart("r1", "chart-1", DAY1, "Revenue", List.of("Q1", "Q2", "Q3", "Q4"), List.of("2023", "2024"),
                        List.of(List.of(1.0, 2.0, 3.0, 4.0), List.of(5.0, 6.0, 7.0, 8.5)))
                .unparsedChart("r1", "chart-2", DAY1)
                .ocr("r1", "doc-1", DAY1, List.of("INVOICE 7", "Total 12.50", "Thanks"))
                .caption("r2", "img-a", DAY2, "new caption")
                .caption("r2", "img-b", DAY2, "fixed caption")
                .error("r2", "doc-2", "ocr", DAY2)
                .write(dir);
    }

    @BeforeAll
    static void setUp() throws Exception {
        table = writeFixture(tmp.resolve("results"));
        ResultViews.register(SharedSpark.get(), table.toString());
    }

    private static List<Row> sql(String query) {
        return SharedSpark.get().sql(query).collectAsList();
    }

    @Test
    void statementsAreTheFourViews() {
        assertEquals(List.of("phi3v_latest", "phi3v_errors", "phi3v_chart_points", "phi3v_ocr_lines"),
                ResultViews.viewNames());
        assertEquals(4, ResultViews.statements().size());
    }

    @Test
    void splitterKeepsStatementsAndDropsComments() {
        List<String> s = ResultViews.statements("-- c1\nSELECT 1;\n-- c2\nSELECT 'a;b'\nFROM t;\n\n");
        assertEquals(List.of("SELECT 1", "SELECT 'a;b'\nFROM t"), s);
    }

    @Test
    void partitionColumnsBecomeColumns() {
        List<Row> rows = sql("SELECT task, count(*) FROM phi3v_results GROUP BY task ORDER BY task");
        assertEquals(List.of("caption:4", "chart:2", "ocr:2"),
                rows.stream().map(r -> r.getString(0) + ":" + r.getLong(1)).toList());
        assertEquals(2L, sql("SELECT count(DISTINCT run_date) FROM phi3v_results").get(0).getLong(0));
    }

    @Test
    void latestKeepsNewestOkRowPerItemAndTask() {
        List<Row> rows = sql("SELECT item_id, task, run_id, response FROM phi3v_latest ORDER BY item_id, task");
        assertEquals(List.of("chart-1/chart/r1", "doc-1/ocr/r1", "img-a/caption/r2", "img-b/caption/r2"),
                rows.stream().map(r -> r.getString(0) + "/" + r.getString(1) + "/" + r.getString(2)).toList());
        assertEquals("new caption", rows.get(2).getString(3));
    }

    @Test
    void errorsSayWhetherALaterOkRowExists() {
        List<Row> rows = sql("SELECT item_id, task, error_stage, resolved, error FROM phi3v_errors ORDER BY item_id");
        assertEquals(List.of("chart-2/parse/false", "doc-2/decode/false", "img-b/decode/true"),
                rows.stream().map(r -> r.getString(0) + "/" + r.getString(2) + "/" + r.getBoolean(3)).toList());
        assertTrue(rows.get(2).getString(4).contains("img-b"));
    }

    @Test
    void chartPointsAreOneRowPerPointOfParsedCharts() {
        List<Row> rows = sql("SELECT item_id, series_index, series_name, point_index, x, y, title "
                + "FROM phi3v_chart_points ORDER BY series_index, point_index");
        assertEquals(8, rows.size());
        Row last = rows.get(7);
        assertEquals("chart-1", last.getString(0));
        assertEquals(1, last.getInt(1));
        assertEquals("2024", last.getString(2));
        assertEquals(3, last.getInt(3));
        assertEquals("Q4", last.getString(4));
        assertEquals(8.5, last.getDouble(5));
        assertEquals("Revenue", last.getString(6));
    }

    @Test
    void ocrLinesAreNumberedFromOne() {
        List<Row> rows = sql("SELECT item_id, line_number, line FROM phi3v_ocr_lines ORDER BY line_number");
        assertEquals(List.of("1:INVOICE 7", "2:Total 12.50", "3:Thanks"),
                rows.stream().map(r -> r.getInt(1) + ":" + r.getString(2)).toList());
    }

    @Test
    void missingTableIsNamed() {
        SparkSession spark = SharedSpark.get();
        String bad = tmp.resolve("nope").toString();
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ResultViews.register(spark, bad));
        assertTrue(e.getMessage().contains(bad), e.getMessage());
        // The failed attempt must not have replaced the registered table.
        ResultViews.register(spark, table.toString());
    }
}
