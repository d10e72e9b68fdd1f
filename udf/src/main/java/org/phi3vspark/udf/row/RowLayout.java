package org.phi3vspark.udf.row;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A row layout declared once: its columns in order, each with name, type, doc and the record accessor it is
 * encoded from, and the function that builds the record back from a row, reading every column by name. The
 * Spark schema, the Avro record and the documentation table are derived from the same declaration.
 *
 * <p>Declare the columns through a {@link Builder}, one constant per column, in order, then {@link Builder#build}:
 *
 * <pre>
 * private static final RowLayout.Builder&lt;Size&gt; COLUMNS = RowLayout.builder("Size", "A size.");
 * public static final Column&lt;Size, Integer&gt; WIDTH = COLUMNS.add("width", Codec.INT, Size::width, "pixels");
 * public static final RowLayout&lt;Size&gt; LAYOUT = COLUMNS.build(v -&gt; new Size(v.get(WIDTH)));
 * </pre>
 *
 * @param <R> the record a row holds
 */
public final class RowLayout<R> {

    /** Column of the struct that carries manifest columns through the pipeline before they are flattened. */
    public static final String PASSTHROUGH = "__passthrough";

    /** One column: its name, how its value travels ({@link Codec}), where the record keeps it, what it means. */
    public record Column<R, V>(String name, Codec<V> codec, Function<R, V> getter, String doc) {
    }

    /** The columns of one row, read by name; what a layout's decoder builds its record from. */
    public static final class Values {
        private final Row row;

        private Values(Row row) {
            this.row = row;
        }

        public <V> V get(Column<?, V> column) {
            int i = row.fieldIndex(column.name());
            return row.isNullAt(i) ? null : column.codec().fromSpark(row.get(i));
        }
    }

    private final String name;
    private final String doc;
    private final List<Column<R, ?>> columns;
    private final Function<Values, R> decoder;
    private final StructType schema;

    private RowLayout(String name, String doc, List<Column<R, ?>> columns, Function<Values, R> decoder) {
        this.name = name;
        this.doc = doc;
        this.columns = List.copyOf(columns);
        this.decoder = decoder;
        List<StructField> fields = new ArrayList<>();
        for (Column<R, ?> c : columns) {
            fields.add(new StructField(c.name(), c.codec().type(), true, Metadata.empty()));
        }
        this.schema = new StructType(fields.toArray(new StructField[0]));
    }

    /** Collects columns in declaration order. */
    public static final class Builder<R> {
        private final String name;
        private final String doc;
        private final List<Column<R, ?>> columns = new ArrayList<>();

        private Builder(String name, String doc) {
            this.name = name;
            this.doc = doc;
        }

        public <V> Column<R, V> add(String column, Codec<V> codec, Function<R, V> getter, String columnDoc) {
            Column<R, V> c = new Column<>(column, codec, getter, columnDoc);
            columns.add(c);
            return c;
        }

        public RowLayout<R> build(Function<Values, R> decoder) {
            return new RowLayout<>(name, doc, columns, decoder);
        }
    }

    /**
     * @param name the record's name in Avro
     * @param doc  what one row is
     */
    public static <R> Builder<R> builder(String name, String doc) {
        return new Builder<>(name, doc);
    }

    public StructType schema() {
        return schema;
    }

    /** The schema with, when {@code passthrough} is not null, the passthrough struct appended. */
    public StructType schema(StructType passthrough) {
        return passthrough == null ? schema
                : schema.add(new StructField(PASSTHROUGH, passthrough, true, Metadata.empty()));
    }

    public List<Column<R, ?>> columns() {
        return columns;
    }

    public List<String> names() {
        return columns.stream().map(Column::name).toList();
    }

    public Column<R, ?> column(String columnName) {
        return columns.stream().filter(c -> c.name().equals(columnName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(name + " has no column " + columnName));
    }

    /** @param java8Time see {@link Codec#toSpark} */
    public Row encode(R record, boolean java8Time) {
        return encode(record, null, java8Time);
    }

    /** The record's row, with the passthrough struct appended when it is not null. */
    public Row encode(R record, Row passthrough, boolean java8Time) {
        Object[] values = new Object[columns.size() + (passthrough == null ? 0 : 1)];
        for (int i = 0; i < columns.size(); i++) {
            values[i] = encodeOne(columns.get(i), record, java8Time);
        }
        if (passthrough != null) {
            values[columns.size()] = passthrough;
        }
        return new GenericRowWithSchema(values, passthrough == null ? schema : schema(passthrough.schema()));
    }

    private static <R, V> Object encodeOne(Column<R, V> c, R record, boolean java8Time) {
        return c.codec().toSpark(c.getter().apply(record), java8Time);
    }

    /** The record of a row that has (at least) this layout's columns, found by name. */
    public R decode(Row row) {
        if (row.schema() == null) {
            throw new IllegalArgumentException(name + " rows are decoded by column name; this row has no schema");
        }
        return decoder.apply(new Values(row));
    }

    /** The passthrough struct of a row, or null when the row carries none. */
    public static Row passthroughOf(Row row) {
        StructType s = row.schema();
        if (s == null || !List.of(s.fieldNames()).contains(PASSTHROUGH)) {
            return null;
        }
        return row.getStruct(row.fieldIndex(PASSTHROUGH));
    }

    /** The Avro record of these columns (every field nullable, default null), with their docs. */
    public JsonObject avroRecord() {
        return avroRecord(c -> true);
    }

    /** The Avro record of the columns {@code included} accepts (a table's data columns, say). */
    public JsonObject avroRecord(java.util.function.Predicate<String> included) {
        JsonObject record = new JsonObject();
        record.addProperty("type", "record");
        record.addProperty("name", name);
        if (doc != null) {
            record.addProperty("doc", doc);
        }
        JsonArray fields = new JsonArray();
        for (Column<R, ?> c : columns) {
            if (!included.test(c.name())) {
                continue;
            }
            JsonObject f = new JsonObject();
            f.addProperty("name", c.name());
            f.add("type", Codec.nullable(c.codec().avroType()));
            f.add("default", JsonNull.INSTANCE);
            if (c.doc() != null) {
                f.addProperty("doc", c.doc());
            }
            fields.add(f);
        }
        record.add("fields", fields);
        return record;
    }
}
