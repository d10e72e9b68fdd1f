package org.phi3vspark.udf.row;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.phi3vspark.udf.task.JsonColumn;
import org.phi3vspark.udf.task.TaskPreset;

/**
 * The result rows of one run: {@link ResultSchema}'s columns, then the typed column of each json task the run
 * uses ({@link JsonColumn}, {@code json_<task>}), then, inside the pipeline, the passthrough struct. The fixed
 * columns are the same for every run; the json columns are the run's, so a table holds the union of its runs'
 * (Parquet schema merge when reading, Delta's when writing; a task keeps its column type from run to run, see
 * the README).
 */
public record ResultTable(List<JsonColumn> json) implements Serializable {

    public ResultTable {
        json = List.copyOf(json);
    }

    /** The table of a run with these tasks. */
    public static ResultTable of(Collection<TaskPreset> tasks) {
        return new ResultTable(tasks.stream().map(TaskPreset::jsonColumn).filter(Objects::nonNull).toList());
    }

    /** Names of the json columns, in order. */
    public List<String> jsonColumnNames() {
        return json.stream().map(JsonColumn::name).toList();
    }

    /**
     * Fails when appending this run to a table whose (merged) schema is {@code existing} would leave files that
     * Parquet readers cannot merge, or a Delta commit that its schema merge refuses: a json column whose type
     * changed (a field of another type, an object that became a list). Added and removed fields merge, so a
     * schema may grow or shrink from run to run.
     */
    public void checkAppendableTo(StructType existing, String tableName) {
        for (JsonColumn c : json) {
            if (!List.of(existing.fieldNames()).contains(c.name())) {
                continue;
            }
            DataType old = existing.apply(c.name()).dataType();
            if (!mergeable(old, c.type())) {
                throw new IllegalArgumentException("task " + c.task() + ": column " + c.name() + " of table "
                        + tableName + " has type " + old.simpleString() + ", but the task's json_schema now gives "
                        + c.type().simpleString() + ", and neither Parquet readers nor Delta's schema merge can join"
                        + " the two. Keep the types of the fields that exist, rename the task, or write to another"
                        + " table.");
            }
        }
    }

    /** Spark's schema merge rule for the types json columns use: same atomic types, structs field by field. */
    private static boolean mergeable(DataType a, DataType b) {
        if (a instanceof StructType sa && b instanceof StructType sb) {
            for (StructField f : sb.fields()) {
                if (List.of(sa.fieldNames()).contains(f.name()) && !mergeable(sa.apply(f.name()).dataType(),
                        f.dataType())) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof ArrayType aa && b instanceof ArrayType ab) {
            return mergeable(aa.elementType(), ab.elementType());
        }
        return a.equals(b);
    }

    /** Rows of the partition function: fixed columns, json columns, and the passthrough struct when not null. */
    public StructType schema(StructType passthrough) {
        StructType schema = ResultSchema.SCHEMA;
        for (JsonColumn c : json) {
            schema = schema.add(new StructField(c.name(), c.type(), true, Metadata.empty()));
        }
        return passthrough == null ? schema
                : schema.add(new StructField(RowLayout.PASSTHROUGH, passthrough, true, Metadata.empty()));
    }

    /** The row of {@code r}: its answer in its task's json column (if it has one), null in the others. */
    public Row encode(ResultRow r, Row passthrough, boolean java8Time) {
        Row fixed = ResultSchema.LAYOUT.encode(r, java8Time);
        List<Object> values = new ArrayList<>(fixed.size() + json.size() + 1);
        for (int i = 0; i < fixed.size(); i++) {
            values.add(fixed.get(i));
        }
        Object answer = r.outcome().parsed() == null ? null : r.outcome().parsed().json();
        for (JsonColumn c : json) {
            values.add(c.task().equals(r.request().task()) ? answer : null);
        }
        if (passthrough != null) {
            values.add(passthrough);
        }
        return new GenericRowWithSchema(values.toArray(), schema(passthrough == null ? null : passthrough.schema()));
    }
}
