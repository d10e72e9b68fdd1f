package org.phi3vspark.jobs;

import java.util.List;
import java.util.function.Consumer;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.phi3vspark.udf.conf.TableFormat;
import org.phi3vspark.udf.row.ResultSchema;

/**
 * A Delta Lake table, partitioned like the Parquet one. Each run is one commit: its data files are written first,
 * where no reader looks, and become the table's next version with a single write of the log entry, so readers see
 * the previous version or the whole run, never part of it. The commit's user metadata names the run, which ties
 * {@code DESCRIBE HISTORY} to the run summaries. On S3 the log store is Delta's default for s3a://,
 * S3SingleDriverLogStore: safe for one writing application at a time.
 */
record DeltaResultsTable(SparkSession spark, String path) implements ResultsTable {

    /** The transaction log folder that makes a folder a Delta table. */
    static final String LOG_DIR = "_delta_log";
    static final String FORMAT = "delta";
    /** Delta leaves out commits that add no file; a run that writes no row is still a version here. */
    static final String SKIP_EMPTY_COMMITS = "spark.databricks.delta.skipRecordingEmptyCommits";

    /** The commit's user metadata for a run, as {@code DESCRIBE HISTORY} shows it. */
    static String commitNote(String runId) {
        return "phi3v run " + runId;
    }

    @Override
    public TableFormat format() {
        return TableFormat.DELTA;
    }

    @Override
    public boolean exists() {
        return committed();
    }

    @Override
    public boolean committed() {
        return TableFiles.exists(spark, path, new Path(path, LOG_DIR));
    }

    @Override
    public Dataset<Row> read() {
        return spark.read().format(FORMAT).load(path);
    }

    @Override
    public StructType schema() {
        return read().schema();
    }

    @Override
    public Dataset<Row> read(StructType schema) {
        return project(read(), schema);
    }

    @Override
    public Commit write(Dataset<Row> rows, WriteMode mode, String runId, Consumer<String> log) {
        String skipEmpty = spark.conf().contains(SKIP_EMPTY_COMMITS) ? spark.conf().get(SKIP_EMPTY_COMMITS) : null;
        // Every run is a version, so that its summary always names one.
        spark.conf().set(SKIP_EMPTY_COMMITS, "false");
        try {
            rows.write().format(FORMAT)
                    .mode(mode == WriteMode.OVERWRITE ? SaveMode.Overwrite : SaveMode.Append)
                    // Schema evolution: a run may add json_<task> columns and pass other manifest columns through
                    // than the runs before it.
                    .option(mode == WriteMode.OVERWRITE ? "overwriteSchema" : "mergeSchema", "true")
                    .option("partitionOverwriteMode", "static")
                    .option("userMetadata", commitNote(runId))
                    .partitionBy(ResultSchema.PARTITION_COLUMNS.toArray(new String[0]))
                    .save(path);
        } finally {
            if (skipEmpty == null) {
                spark.conf().unset(SKIP_EMPTY_COMMITS);
            } else {
                spark.conf().set(SKIP_EMPTY_COMMITS, skipEmpty);
            }
        }
        long version = versionOf(runId);
        return new Commit(version, project(spark.read().format(FORMAT).option("versionAsOf", version).load(path),
                ResultSchema.SCHEMA));
    }

    /** The version whose commit names the run (the newest one, unless another application wrote since). */
    private long versionOf(String runId) {
        List<Row> found = io.delta.tables.DeltaTable.forPath(spark, path).history(10)
                .where(functions.col("userMetadata").equalTo(commitNote(runId)))
                .select("version").collectAsList();
        if (found.isEmpty()) {
            throw new IllegalStateException("table " + path + " has no commit of run " + runId
                    + " among its last 10; another application is writing to it");
        }
        return found.get(0).getLong(0);
    }

    private static Dataset<Row> project(Dataset<Row> table, StructType schema) {
        List<String> stored = List.of(table.columns());
        Column[] cols = new Column[schema.fields().length];
        for (int i = 0; i < cols.length; i++) {
            StructField f = schema.fields()[i];
            cols[i] = stored.contains(f.name()) ? functions.col(f.name())
                    : functions.lit(null).cast(f.dataType()).as(f.name());
        }
        return table.select(cols);
    }
}
