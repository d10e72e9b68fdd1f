package org.phi3vspark.udf.row;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * How a column's Java value travels in a Spark {@link Row}: its Spark type, the value Spark's row encoder expects,
 * the Java value back from a row, and the type's Avro and documentation spellings.
 *
 * @param <V> the Java type of the column's values (null is always allowed: every column is nullable)
 */
public interface Codec<V> {

    DataType type();

    /**
     * @param java8Time whether the session uses java.time for dates and timestamps
     *                  ({@code spark.sql.datetime.java8API.enabled}): the row encoder expects that type
     */
    Object toSpark(V value, boolean java8Time);

    V fromSpark(Object value);

    /** The non-null branch of the column's Avro type (parquet-avro reads the table with it). */
    JsonElement avroType();

    /** The type as conf/SCHEMA.md writes it, e.g. {@code array<string>}. */
    String docType();

    Codec<String> STRING = scalar(DataTypes.StringType, "string", String.class::cast);
    Codec<Integer> INT = scalar(DataTypes.IntegerType, "int", Integer.class::cast);
    Codec<Long> LONG = scalar(DataTypes.LongType, "long", Long.class::cast);
    Codec<Double> DOUBLE = scalar(DataTypes.DoubleType, "double", Double.class::cast);

    /** Instant on the Java side; a java.sql.Timestamp or an Instant in rows, as the session wants. */
    Codec<Instant> TIMESTAMP = new Codec<>() {
        public DataType type() {
            return DataTypes.TimestampType;
        }

        public Object toSpark(Instant v, boolean java8Time) {
            return v == null ? null : java8Time ? v : java.sql.Timestamp.from(v);
        }

        public Instant fromSpark(Object o) {
            return o == null ? null : o instanceof java.sql.Timestamp t ? t.toInstant() : (Instant) o;
        }

        public JsonElement avroType() {
            JsonObject t = new JsonObject();
            t.addProperty("type", "long");
            t.addProperty("logicalType", "timestamp-micros");
            return t;
        }

        public String docType() {
            return "timestamp (UTC, micros)";
        }
    };

    /** LocalDate on the Java side; a java.sql.Date or a LocalDate in rows. Partition columns only (no Avro). */
    Codec<LocalDate> DATE = new Codec<>() {
        public DataType type() {
            return DataTypes.DateType;
        }

        public Object toSpark(LocalDate v, boolean java8Time) {
            return v == null ? null : java8Time ? v : java.sql.Date.valueOf(v);
        }

        public LocalDate fromSpark(Object o) {
            return o == null ? null : o instanceof java.sql.Date d ? d.toLocalDate() : (LocalDate) o;
        }

        public JsonElement avroType() {
            throw new UnsupportedOperationException("date columns are partition columns, not in the data files");
        }

        public String docType() {
            return "date";
        }
    };

    static <V> Codec<V> scalar(DataType type, String name, Function<Object, V> cast) {
        return new Codec<>() {
            public DataType type() {
                return type;
            }

            public Object toSpark(V v, boolean java8Time) {
                return v;
            }

            public V fromSpark(Object o) {
                return o == null ? null : cast.apply(o);
            }

            public JsonElement avroType() {
                return new JsonPrimitive(name);
            }

            public String docType() {
                return name;
            }
        };
    }

    /** Values kept in a row as another codec's values (an enum as its id string, say). */
    static <V, S> Codec<V> mapped(Codec<S> base, Function<V, S> to, Function<S, V> from) {
        return new Codec<>() {
            public DataType type() {
                return base.type();
            }

            public Object toSpark(V v, boolean java8Time) {
                return v == null ? null : base.toSpark(to.apply(v), java8Time);
            }

            public V fromSpark(Object o) {
                return o == null ? null : from.apply(base.fromSpark(o));
            }

            public JsonElement avroType() {
                return base.avroType();
            }

            public String docType() {
                return base.docType();
            }
        };
    }

    /** A list of nullable elements; Spark's row encoder takes and gives Scala Seqs. */
    static <E> Codec<List<E>> listOf(Codec<E> element) {
        return new Codec<>() {
            public DataType type() {
                return DataTypes.createArrayType(element.type(), true);
            }

            public Object toSpark(List<E> v, boolean java8Time) {
                if (v == null) {
                    return null;
                }
                List<Object> out = new ArrayList<>(v.size());
                for (E e : v) {
                    out.add(element.toSpark(e, java8Time));
                }
                return scala.jdk.javaapi.CollectionConverters.asScala(out).toList();
            }

            public List<E> fromSpark(Object o) {
                if (o == null) {
                    return null;
                }
                Iterable<?> items = o instanceof scala.collection.Seq<?> seq
                        ? scala.jdk.javaapi.CollectionConverters.asJava(seq) : (List<?>) o;
                List<E> out = new ArrayList<>();
                for (Object item : items) {
                    out.add(element.fromSpark(item));
                }
                return out;
            }

            public JsonElement avroType() {
                JsonObject t = new JsonObject();
                t.addProperty("type", "array");
                t.add("items", nullable(element.avroType()));
                return t;
            }

            public String docType() {
                return "array&lt;" + element.docType() + "&gt;";
            }
        };
    }

    /** A struct whose fields are the columns of {@code layout}, decoded by name. */
    static <S> Codec<S> struct(RowLayout<S> layout) {
        return new Codec<>() {
            public DataType type() {
                return layout.schema();
            }

            public Object toSpark(S v, boolean java8Time) {
                return v == null ? null : layout.encode(v, java8Time);
            }

            public S fromSpark(Object o) {
                return o == null ? null : layout.decode((Row) o);
            }

            public JsonElement avroType() {
                return layout.avroRecord();
            }

            public String docType() {
                return "struct&lt;" + String.join(", ", layout.columns().stream()
                        .map(c -> c.name() + " " + c.codec().docType()).toList()) + "&gt;";
            }
        };
    }

    /** {@code ["null", type]}: every column and element is nullable (Spark writes optional Parquet fields). */
    static JsonArray nullable(JsonElement type) {
        JsonArray union = new JsonArray();
        union.add("null");
        union.add(type);
        return union;
    }
}
