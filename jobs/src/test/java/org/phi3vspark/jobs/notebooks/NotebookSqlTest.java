package org.phi3vspark.jobs.notebooks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.jobs.sql.ResultViews;
import org.phi3vspark.jobs.sql.ResultViewsTestAccess;
import org.phi3vspark.jobs.SharedSpark;
import org.phi3vspark.jobs.sql.TinyResults;

/**
 * Runs every SQL cell of every notebook against results tables, so that a notebook which no longer
 * matches the results schema or the views fails the build.
 */
class NotebookSqlTest {
    @TempDir
    static Path tmp;

    @Test
    void notebooksAreValidNbformat4() throws Exception {
        List<Notebooks.Notebook> all = Notebooks.all();
        assertTrue(all.size() >= 5, "notebooks found in " + Notebooks.dir() + ": " + all.size());
        for (Notebooks.Notebook nb : all) {
            JsonNode json = nb.json();
            assertEquals(4, json.path("nbformat").asInt(), nb.file() + " nbformat");
            assertTrue(json.path("nbformat_minor").asInt() >= 5, nb.file() + " nbformat_minor (cell ids need 4.5)");
            assertEquals("python", json.path("metadata").path("kernelspec").path("language").asText(), nb.file().toString());
            Set<String> ids = new HashSet<>();
            for (JsonNode cell : nb.cells()) {
                String type = cell.path("cell_type").asText();
                assertTrue(Set.of("code", "markdown", "raw").contains(type), nb.file() + ": cell type " + type);
                assertTrue(cell.path("id").asText().matches("[a-zA-Z0-9_-]{1,64}"), nb.file() + ": cell id");
                assertTrue(ids.add(cell.path("id").asText()), nb.file() + ": duplicate cell id " + cell.path("id"));
                assertTrue(cell.get("source").isArray() || cell.get("source").isTextual(), nb.file() + ": source");
                assertTrue(cell.get("metadata").isObject(), nb.file() + ": metadata");
                if (type.equals("code")) {
                    assertTrue(cell.get("outputs").isArray(), nb.file() + ": outputs");
                    assertTrue(cell.has("execution_count"), nb.file() + ": execution_count");
                }
            }
            assertFalse(Notebooks.sqlCells(nb).isEmpty(), nb.file() + " has no " + Notebooks.SQL_TAG + " cells");
        }
    }

    /** The setup cell of each notebook loads the views from the same file that bin/phi3v sql uses. */
    @Test
    void setupCellsUseTheSharedViewDefinitions() throws Exception {
        Pattern viewsPath = Pattern.compile("\"PHI3V_VIEWS_SQL\",\\s*\"([^\"]+)\"");
        byte[] resource;
        try (InputStream in = ResultViews.class.getResourceAsStream(ResultViews.VIEWS_RESOURCE)) {
            resource = in.readAllBytes();
        }
        for (Notebooks.Notebook nb : Notebooks.all()) {
            List<String> setups = new ArrayList<>();
            for (JsonNode cell : nb.cells()) {
                if (Notebooks.tags(cell).contains(Notebooks.SETUP_TAG)) {
                    setups.add(Notebooks.source(cell));
                }
            }
            assertEquals(1, setups.size(), nb.file() + ": one cell tagged " + Notebooks.SETUP_TAG);
            Matcher m = viewsPath.matcher(setups.get(0));
            assertTrue(m.find(), nb.file() + ": setup cell names PHI3V_VIEWS_SQL with a default path");
            Path file = nb.file().getParent().resolve(m.group(1)).normalize();
            assertArrayEquals(resource, Files.readAllBytes(file), nb.file() + ": " + file);
            assertTrue(setups.get(0).contains("createOrReplaceTempView(\"" + ResultViews.RESULTS_TABLE + "\")"),
                    nb.file() + ": setup registers " + ResultViews.RESULTS_TABLE);
            assertTrue(setups.get(0).contains("/_delta_log") && setups.get(0).contains("spark.read.format("),
                    nb.file() + ": setup reads a Delta table as Delta, like bin/phi3v sql");
        }
    }

    private static Path registered;

    @org.junit.jupiter.api.BeforeAll
    static void forgetRegistrations() {
        registered = null;
    }

    /** Other test classes register their own tables; re-register only when the table changes. */
    private static void registerOnce(SparkSession spark, Path table) {
        if (!table.equals(registered) || !spark.catalog().tableExists(ResultViews.RESULTS_TABLE)) {
            ResultViews.register(spark, table.toString());
            registered = table;
        }
    }

    private static List<DynamicTest> runAll(String fixture, Path table) throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Notebooks.Notebook nb : Notebooks.all()) {
            for (Notebooks.SqlCell cell : Notebooks.sqlCells(nb)) {
                tests.add(DynamicTest.dynamicTest(fixture + ": " + cell, () -> {
                    SparkSession spark = SharedSpark.get();
                    registerOnce(spark, table);
                    // collect, not just analyse: some errors (casts, regexes) only show at run time
                    spark.sql(cell.sql()).collectAsList();
                }));
            }
        }
        return tests;
    }

    /** The table the real job wrote with the tiny golden checkpoint (random weights; charts follow their schema). */
    @TestFactory
    Stream<DynamicTest> everySqlCellRunsOnATableWrittenByTheJob() throws Exception {
        return runAll("tiny-model", TinyResults.table()).stream();
    }

    /** The same run written as a Delta table: the setup finds its _delta_log and reads it as Delta. */
    @TestFactory
    Stream<DynamicTest> everySqlCellRunsOnADeltaTableWrittenByTheJob() throws Exception {
        return runAll("tiny-model-delta", TinyResults.deltaTable()).stream();
    }

    /** A table with parsed charts, OCR lines, reruns and errors (written with parquet-avro). */
    @TestFactory
    Stream<DynamicTest> everySqlCellRunsOnTheSyntheticTable() throws Exception {
        Path table = ResultViewsTestAccess.writeFixture(tmp.resolve("synthetic"));
        return runAll("synthetic", table).stream();
    }
}
