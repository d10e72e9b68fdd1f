package org.phi3vspark.jobs.sql;

import org.phi3vspark.jobs.SharedSpark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SqlCommandTest {
    @TempDir
    static Path tmp;
    static Path table;

    @BeforeAll
    static void setUp() throws Exception {
        table = ResultViewsTest.writeFixture(tmp.resolve("results"));
    }

    /** Parses the arguments like the CLI does, then runs in the shared session. */
    private static String run(String... args) {
        SqlCommand cmd = new SqlCommand();
        new CommandLine(cmd).parseArgs(args);
        StringWriter text = new StringWriter();
        try (PrintWriter out = new PrintWriter(text)) {
            assertEquals(0, cmd.run(SharedSpark.get(), out));
        }
        return text.toString();
    }

    @Test
    void printsTheResultAsATable() {
        String out = run("--results", table.toString(),
                "SELECT task, status, count(*) AS n FROM phi3v_results GROUP BY task, status ORDER BY task, status");
        String expected = String.join("\n",
                "+---------+--------+---+",
                "| task    | status | n |",
                "+---------+--------+---+",
                "| caption | error  | 1 |",
                "| caption | ok     | 3 |",
                "| chart   | error  | 1 |",
                "| chart   | ok     | 1 |",
                "| ocr     | error  | 1 |",
                "| ocr     | ok     | 1 |",
                "+---------+--------+---+",
                "6 rows",
                "");
        assertEquals(expected, out);
    }

    @Test
    void viewsAreAvailableAndNestedValuesReadable() {
        String out = run("--results", table.toString(), "--max-rows", "2",
                "SELECT item_id, image_uris, generation FROM phi3v_latest ORDER BY item_id");
        assertTrue(out.contains("| chart-1 | [file:///data/chart-1.png] | {max_new_tokens: 64, temperature: 0.0, "
                + "top_k: 0, top_p: 1.0, seed: 0} |"), out);
        assertTrue(out.endsWith("first 2 rows shown (--max-rows 2)\n"), out);
    }

    @Test
    void longCellsAreCut() {
        String out = run("--results", table.toString(), "--max-width", "12",
                "SELECT error FROM phi3v_errors WHERE item_id = 'img-b'");
        assertTrue(out.contains("| cannot de... |"), out);
    }

    @Test
    void printViewsNeedsNoResults() {
        StringWriter text = new StringWriter();
        CommandLine cli = new CommandLine(new SqlCommand());
        cli.setOut(new PrintWriter(text));
        assertEquals(0, cli.execute("--print-views"));
        assertEquals(ResultViews.script(), text.toString());
    }

    @Test
    void missingQueryIsAUsageError() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new SqlCommand());
        cli.setErr(new PrintWriter(err));
        assertEquals(2, cli.execute("--results", table.toString()));
        assertTrue(err.toString().contains("QUERY"), err.toString());
    }
}
