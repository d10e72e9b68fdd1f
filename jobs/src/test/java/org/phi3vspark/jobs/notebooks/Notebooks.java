package org.phi3vspark.jobs.notebooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads the notebooks and pulls out their SQL by the convention of notebooks/README: a code cell
 * tagged {@value #SQL_TAG} holds exactly one {@code spark.sql("""...""")} call and the query is the
 * text between the triple quotes. The SQL must not contain backslashes, because Python would
 * interpret them before Spark sees the text, and this test would then run something else.
 */
final class Notebooks {
    static final String SQL_TAG = "phi3v-sql";
    static final String SETUP_TAG = "phi3v-setup";
    static final String OPEN = "spark.sql(\"\"\"";
    static final String CLOSE = "\"\"\")";

    /** One SQL query of one notebook. */
    record SqlCell(Path notebook, String cellId, String sql) {
        @Override
        public String toString() {
            return notebook.getFileName() + "#" + cellId;
        }
    }

    /** A parsed notebook. */
    record Notebook(Path file, JsonNode json) {
        List<JsonNode> cells() {
            List<JsonNode> cells = new ArrayList<>();
            json.get("cells").forEach(cells::add);
            return cells;
        }
    }

    private Notebooks() {
    }

    static Path dir() {
        return Path.of(System.getProperty("phi3v.notebooks.dir", "../notebooks"));
    }

    static List<Notebook> all() throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        List<Notebook> notebooks = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir())) {
            for (Path file : s.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList()) {
                notebooks.add(new Notebook(file, mapper.readTree(file.toFile())));
            }
        }
        return notebooks;
    }

    static String source(JsonNode cell) {
        JsonNode src = cell.get("source");
        if (src.isTextual()) {
            return src.asText();
        }
        StringBuilder sb = new StringBuilder();
        src.forEach(line -> sb.append(line.asText()));
        return sb.toString();
    }

    static Set<String> tags(JsonNode cell) {
        Set<String> tags = new HashSet<>();
        JsonNode t = cell.path("metadata").path("tags");
        t.forEach(tag -> tags.add(tag.asText()));
        return tags;
    }

    /** The SQL of every tagged cell; throws when a cell breaks the convention. */
    static List<SqlCell> sqlCells(Notebook nb) {
        List<SqlCell> result = new ArrayList<>();
        for (JsonNode cell : nb.cells()) {
            if (!"code".equals(cell.path("cell_type").asText())) {
                continue;
            }
            String src = source(cell);
            String id = cell.path("id").asText("?");
            boolean tagged = tags(cell).contains(SQL_TAG);
            if (!tagged) {
                if (src.contains(OPEN)) {
                    throw new IllegalStateException(nb.file() + " cell " + id + " runs SQL but is not tagged "
                            + SQL_TAG + ", so no test would run it");
                }
                continue;
            }
            int open = src.indexOf(OPEN);
            int close = src.indexOf(CLOSE, open + OPEN.length());
            if (open < 0 || close < 0 || src.indexOf(OPEN, close) >= 0) {
                throw new IllegalStateException(nb.file() + " cell " + id + " is tagged " + SQL_TAG
                        + " but does not hold exactly one " + OPEN + "..." + CLOSE + " call");
            }
            String sql = src.substring(open + OPEN.length(), close).strip();
            if (sql.indexOf('\\') >= 0) {
                throw new IllegalStateException(nb.file() + " cell " + id
                        + " has a backslash in its SQL; Python would change it before Spark sees it");
            }
            result.add(new SqlCell(nb.file(), id, sql));
        }
        return result;
    }
}
