package org.phi3vspark.udf.row;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * How a column's Java value travels in a Spark {@link Row}: its Spark type, the value Spark's row encoder expects,
 * the Java value back from a row, and the type's Avro and documentation spellings. Null is always allowed (every
 * column is nullable) and is never handed to the conversions.
 *
 * @param <V> the Java type of the column's values
 */
public final class Codec<V> {

    private final DataType type;
    private final BiFunction<V, Boolean, Object> toSpark;
    private final Function<Object, V> fromSpark;
    private final Supplier<JsonElement> avroType;
    private final String docType;

    /**
     * @param toSpark   the value for the row encoder, given whether the session uses java.time for dates and
     *                  timestamps ({@code spark.sql.datetime.java8API.enabled})
     * @param avroType  the non-null branch of the column's Avro type
     * @param docType   the type as conf/SCHEMA.md writes it
     */
    private Codec(DataType type, BiFunction<V, Boolean, Object> toSpark, Function<Object, V> fromSpark,
                  Supplier<JsonElement> avroType, String docType) {
        this.type = type;
        this.toSpark = toSpark;
        this.fromSpark = fromSpark;
        this.avroType = avroType;
        this.docType = docType;
    }

    public static final Codec<String> STRING = scalar(DataTypes.StringType, "string", String.class::cast);
    public static final Codec<Integer> INT = scalar(DataTypes.IntegerType, "int", Integer.class::cast);
    public static final Codec<Long> LONG = scalar(DataTypes.LongType, "long", Long.class::cast);
    public static final Codec<Double> DOUBLE = scalar(DataTypes.DoubleType, "double", Double.class::cast);
    public static final Codec<Boolean> BOOLEAN = scalar(DataTypes.BooleanType, "boolean", Boolean.class::cast);

    /** Instant on the Java side; a java.sql.Timestamp or an Instant in rows, as the session wants. */
    public static final Codec<Instant> TIMESTAMP = new Codec<>(DataTypes.TimestampType,
            (v, java8) -> java8 ? v : java.sql.Timestamp.from(v),
            o -> o instanceof java.sql.Timestamp t ? t.toInstant() : (Instant) o,
            () -> {
                JsonObject t = new JsonObject();
                t.addProperty("type", "long");
                t.addProperty("logicalType", "timestamp-micros");
                return t;
            }, "timestamp (UTC, micros)");

    /** LocalDate on the Java side; a java.sql.Date or a LocalDate in rows. Partition columns only (no Avro). */
    public static final Codec<LocalDate> DATE = new Codec<>(DataTypes.DateType,
            (v, java8) -> java8 ? v : java.sql.Date.valueOf(v),
            o -> o instanceof java.sql.Date d ? d.toLocalDate() : (LocalDate) o,
            () -> {
                throw new UnsupportedOperationException("date columns are partition columns, not in data files");
            }, "date");

    private static <V> Codec<V> scalar(DataType type, String name, Function<Object, V> cast) {
        return new Codec<>(type, (v, java8) -> v, cast, () -> new JsonPrimitive(name), name);
    }

    /** Values kept in a row as another codec's values (an enum as its id string, say). */
    public static <V, S> Codec<V> mapped(Codec<S> base, Function<V, S> to, Function<S, V> from) {
        return new Codec<>(base.type, (v, java8) -> base.toSpark(to.apply(v), java8),
                o -> from.apply(base.fromSpark(o)), base.avroType, base.docType);
    }

    /** A list of nullable elements; Spark's row encoder takes and gives Scala Seqs. */
    public static <E> Codec<List<E>> listOf(Codec<E> element) {
        return new Codec<>(DataTypes.createArrayType(element.type, true),
                (v, java8) -> scala.jdk.javaapi.CollectionConverters.asScala(
                        v.stream().map(e -> element.toSpark(e, java8)).toList()).toList(),
                o -> {
                    Iterable<?> items = o instanceof scala.collection.Seq<?> seq
                            ? scala.jdk.javaapi.CollectionConverters.asJava(seq) : (List<?>) o;
                    List<E> out = new ArrayList<>();
                    items.forEach(item -> out.add(element.fromSpark(item)));
                    return out;
                },
                () -> {
                    JsonObject t = new JsonObject();
                    t.addProperty("type", "array");
                    t.add("items", nullable(element.avroType()));
                    return t;
                }, "array&lt;" + element.docType + "&gt;");
    }

    /** A struct whose fields are the columns of {@code layout}, decoded by name. */
    public static <S> Codec<S> struct(RowLayout<S> layout) {
        return new Codec<>(layout.schema(), (v, java8) -> layout.encode(v, java8), o -> layout.decode((Row) o),
                layout::avroRecord, "struct&lt;" + String.join(", ", layout.columns().stream()
                        .map(c -> c.name() + " " + c.codec().docType()).toList()) + "&gt;");
    }

    public DataType type() {
        return type;
    }

    public Object toSpark(V value, boolean java8Time) {
        return value == null ? null : toSpark.apply(value, java8Time);
    }

    public V fromSpark(Object value) {
        return value == null ? null : fromSpark.apply(value);
    }

    public JsonElement avroType() {
        return avroType.get();
    }

    public String docType() {
        return docType;
    }

    /** {@code ["null", type]}: every column and element is nullable (Spark writes optional Parquet fields). */
    static JsonArray nullable(JsonElement type) {
        JsonArray union = new JsonArray();
        union.add("null");
        union.add(type);
        return union;
    }
}
