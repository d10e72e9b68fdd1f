package org.phi3vspark.jobs;

import java.util.function.Consumer;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkThrowable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.phi3vspark.udf.conf.TableFormat;
import org.phi3vspark.udf.row.ResultSchema;

/**
 * A folder of Hive-partitioned Parquet files ({@code task=/run_date=}), written through Hadoop's file output
 * committer. Its job commit moves each task's files into the table one by one, so a failure during the commit
 * leaves the files already moved visible (conf/S3.md); a rerun then skips their rows.
 */
record ParquetResultsTable(SparkSession spark, String path) implements ResultsTable {

    /** The marker the file output committer writes after a successful job commit. */
    static final String SUCCESS_MARKER = "_SUCCESS";

    @Override
    public TableFormat format() {
        return TableFormat.PARQUET;
    }

    @Override
    public boolean exists() {
        return TableFiles.exists(spark, path, new Path(path));
    }

    @Override
    public boolean committed() {
        return TableFiles.exists(spark, path, new Path(path, SUCCESS_MARKER));
    }

    /** With the files' schemas merged: runs with json tasks (or other passthrough columns) add columns. */
    @Override
    public Dataset<Row> read() {
        return spark.read().option("mergeSchema", "true").parquet(path);
    }

    @Override
    public StructType schema() {
        try {
            return read().schema();
        } catch (Exception e) {
            // AnalysisException is checked in Java's eyes but undeclared, hence Exception (rethrown as it is).
            // A folder without data files (a run that wrote no row): Spark has no footer to read a schema from.
            if (e instanceof SparkThrowable t && "UNABLE_TO_INFER_SCHEMA".equals(t.getCondition())) {
                return new StructType();
            }
            throw e;
        }
    }

    @Override
    public Dataset<Row> read(StructType schema) {
        // An explicit schema also reads a folder without data files (an empty run) as no rows.
        return spark.read().schema(schema).parquet(path);
    }

    @Override
    public Commit write(Dataset<Row> rows, WriteMode mode, String runId, Consumer<String> log) {
        CommitLeftovers.clear(spark.sparkContext().hadoopConfiguration(), path, log);
        rows.write()
                .mode(mode == WriteMode.OVERWRITE ? SaveMode.Overwrite : SaveMode.Append)
                .option("partitionOverwriteMode", "static")
                .partitionBy(ResultSchema.PARTITION_COLUMNS.toArray(new String[0]))
                .parquet(path);
        return new Commit(null, read(ResultSchema.SCHEMA));
    }
}
