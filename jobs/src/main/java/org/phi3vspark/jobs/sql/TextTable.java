package org.phi3vspark.jobs.sql;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Formats query results as a plain-text table (what {@code bin/phi3v sql} and {@code bin/phi3v demo}
 * print). Nested values are written compactly: arrays as {@code [a, b]}, structs as {@code {name: value}}.
 */
public final class TextTable {
    /** Rendered table plus whether rows were left out because of the row limit. */
    public record Rendered(String text, int rowsShown, boolean truncated) {
    }

    private TextTable() {
    }

    /** Collects at most {@code maxRows} rows of {@code df} and renders them; cells longer than {@code maxCell} are cut. */
    public static Rendered render(Dataset<Row> df, int maxRows, int maxCell) {
        List<Row> rows = df.limit(maxRows + 1).collectAsList();
        boolean truncated = rows.size() > maxRows;
        List<Row> shown = truncated ? rows.subList(0, maxRows) : rows;
        return new Rendered(render(df.schema(), shown, maxCell), shown.size(), truncated);
    }

    /** Renders the given rows under the column names of {@code schema}. */
    public static String render(StructType schema, List<Row> rows, int maxCell) {
        String[] names = schema.fieldNames();
        List<String[]> cells = new ArrayList<>();
        int[] widths = new int[names.length];
        for (int c = 0; c < names.length; c++) {
            widths[c] = names[c].length();
        }
        for (Row row : rows) {
            String[] line = new String[names.length];
            for (int c = 0; c < names.length; c++) {
                line[c] = cut(oneLine(format(row.get(c))), maxCell);
                widths[c] = Math.max(widths[c], width(line[c]));
            }
            cells.add(line);
        }
        StringBuilder sb = new StringBuilder();
        String separator = separator(widths);
        sb.append(separator);
        appendLine(sb, names, widths);
        sb.append(separator);
        for (String[] line : cells) {
            appendLine(sb, line, widths);
        }
        sb.append(separator);
        return sb.toString();
    }

    /** Text of one value as the tables show it; {@code NULL} for SQL nulls. */
    public static String format(Object value) {
        if (value == null) {
            return "NULL";
        }
        if (value instanceof Row row) {
            StringBuilder sb = new StringBuilder("{");
            String[] fields = row.schema() == null ? null : row.schema().fieldNames();
            for (int i = 0; i < row.length(); i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                if (fields != null) {
                    sb.append(fields[i]).append(": ");
                }
                sb.append(format(row.get(i)));
            }
            return sb.append('}').toString();
        }
        if (value instanceof scala.collection.Map<?, ?> map) {
            StringBuilder sb = new StringBuilder("{");
            boolean first = true;
            for (var e : CollectionConverters.asJava(map).entrySet()) {
                if (!first) {
                    sb.append(", ");
                }
                first = false;
                sb.append(format(e.getKey())).append(": ").append(format(e.getValue()));
            }
            return sb.append('}').toString();
        }
        if (value instanceof scala.collection.Iterable<?> seq) {
            StringBuilder sb = new StringBuilder("[");
            boolean first = true;
            for (Object o : CollectionConverters.asJava(seq)) {
                if (!first) {
                    sb.append(", ");
                }
                first = false;
                sb.append(format(o));
            }
            return sb.append(']').toString();
        }
        if (value instanceof byte[] bytes) {
            return "<" + bytes.length + " bytes>";
        }
        return value.toString();
    }

    /** Keeps a cell on one line and drops invisible characters (model output can hold any code point). */
    private static String oneLine(String s) {
        String flat = s.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n").replace("\t", " ");
        StringBuilder sb = new StringBuilder(flat.length());
        flat.codePoints().forEach(cp -> {
            int type = Character.getType(cp);
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.NON_SPACING_MARK
                    || type == Character.ENCLOSING_MARK || type == Character.UNASSIGNED) {
                return;
            }
            sb.appendCodePoint(cp);
        });
        return sb.toString();
    }

    /** Columns a cell takes: code points, not UTF-16 units, so that emoji and other astral characters count once. */
    private static int width(String s) {
        return s.codePointCount(0, s.length());
    }

    private static String cut(String s, int max) {
        if (max <= 3 || width(s) <= max) {
            return s;
        }
        return s.substring(0, s.offsetByCodePoints(0, max - 3)) + "...";
    }

    private static String separator(int[] widths) {
        StringBuilder sb = new StringBuilder("+");
        for (int w : widths) {
            sb.append("-".repeat(w + 2)).append('+');
        }
        return sb.append('\n').toString();
    }

    private static void appendLine(StringBuilder sb, String[] cells, int[] widths) {
        sb.append('|');
        for (int c = 0; c < cells.length; c++) {
            sb.append(' ').append(cells[c]).append(" ".repeat(widths[c] - width(cells[c]))).append(" |");
        }
        sb.append('\n');
    }
}
