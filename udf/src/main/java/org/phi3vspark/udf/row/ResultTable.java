package org.phi3vspark.udf.row;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.phi3vspark.udf.task.JsonColumn;
import org.phi3vspark.udf.task.TaskPreset;

/**
 * The result rows of one run: {@link ResultSchema}'s columns, then the typed column of each json task the run
 * uses ({@link JsonColumn}, {@code json_<task>}), then, inside the pipeline, the passthrough struct. The fixed
 * columns are the same for every run; the json columns are the run's, so a table holds the union of its runs'
 * (Parquet schema merge when reading; a task keeps its column type from run to run, see the README).
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
