package org.phi3vspark.udf;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.phi3vspark.udf.task.OutputKind;

/** Row layout of planned work items (input of the partition function); an internal, not a stored, schema. */
public final class WorkSchema {

    public static final StructType SCHEMA = new StructType(new StructField[] {
        f("item_id", DataTypes.StringType),
        f("image_uris", DataTypes.createArrayType(DataTypes.StringType)),
        f("task", DataTypes.StringType),
        f("prompt", DataTypes.StringType),
        f("num_crops", DataTypes.IntegerType),
        f("generation", ResultSchema.GENERATION),
        f("output", DataTypes.StringType),
        f("content_key", DataTypes.StringType),
        f(ResultSchema.REQUEST_KEY, DataTypes.StringType)});

    private WorkSchema() {
    }

    public static StructType withPassthrough(StructType passthrough) {
        return passthrough == null ? SCHEMA
                : SCHEMA.add(new StructField(ResultSchema.PASSTHROUGH, passthrough, true, Metadata.empty()));
    }

    public static Row toRow(WorkItem w, Row passthrough) {
        Object[] v = {w.itemId(), ResultSchema.scalaSeq(w.imageUris()), w.task(), w.prompt(), w.numCrops(),
            ResultSchema.generationRow(w.generation()), w.output().id(), w.contentKey(), w.requestKey()};
        if (passthrough == null) {
            return RowFactory.create(v);
        }
        Object[] all = java.util.Arrays.copyOf(v, v.length + 1);
        all[v.length] = passthrough;
        return RowFactory.create(all);
    }

    public static WorkItem fromRow(Row r) {
        List<String> uris = r.getList(1);
        return new WorkItem(r.getString(0), List.copyOf(uris), r.getString(2), r.getString(3), r.getInt(4),
                ResultSchema.generationOf(r.getStruct(5)), OutputKind.parse(r.getString(6)), r.getString(7),
                r.getString(8));
    }

    /** The passthrough struct of a work row, or null when the run passes nothing through. */
    public static Row passthroughOf(Row r) {
        return r.size() > SCHEMA.size() ? r.getStruct(SCHEMA.size()) : null;
    }

    private static StructField f(String name, org.apache.spark.sql.types.DataType t) {
        return new StructField(name, t, true, Metadata.empty());
    }
}
