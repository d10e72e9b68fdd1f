package org.phi3vspark.jobs;

import java.util.function.Consumer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.phi3vspark.udf.conf.TableFormat;

/**
 * A results table in one of the {@link TableFormat}s: what {@code phi3v run} writes and reruns skip against, and
 * what {@code phi3v sql}, the views and the notebooks read. Readers need not know the format: a folder with a
 * {@value DeltaResultsTable#LOG_DIR} folder is a Delta table, any other a Parquet table.
 */
public interface ResultsTable {

    /**
     * What a run's write committed.
     *
     * @param version the table version it made (Delta), or null (Parquet has no versions)
     * @param rows    the table as of that commit, read with the result columns
     */
    record Commit(Long version, Dataset<Row> rows) {
    }

    String path();

    TableFormat format();

    /** Whether the table has been written to: a rerun then skips what it holds. */
    boolean exists();

    /**
     * Whether a run's write completed here: Delta's log, or the Parquet committer's {@code _SUCCESS} marker. A
     * folder holding only what a failed first run left is no table of either format yet.
     */
    boolean committed();

    /** Every row with every column of every run (json and passthrough columns included), for SQL. */
    Dataset<Row> read();

    /**
     * The columns {@link #read()} gives (what a rerun's json columns must merge with); none when the table holds no
     * data file yet (every run so far wrote no row).
     */
    StructType schema();

    /** Every row with exactly these columns (null where the table lacks one), for reruns. */
    Dataset<Row> read(StructType schema);

    /**
     * Writes one run's rows, partitioned by the partition columns: appended, or replacing the table's rows with
     * {@link WriteMode#OVERWRITE}.
     *
     * @param log where to say what the write repairs first (leftovers of an earlier failed write)
     */
    Commit write(Dataset<Row> rows, WriteMode mode, String runId, Consumer<String> log);

    /** The table at {@code path} in the format it is stored in; Parquet when there is nothing there yet. */
    static ResultsTable at(SparkSession spark, String path) {
        DeltaResultsTable delta = new DeltaResultsTable(spark, path);
        return delta.committed() ? delta : new ParquetResultsTable(spark, path);
    }

    /**
     * The table at {@code path} for a run that writes {@code format}; fails, naming the option, when the folder holds
     * a table of the other format (the run would add files that its readers never see, or see wrongly).
     */
    static ResultsTable forWriting(SparkSession spark, String path, TableFormat format) {
        ResultsTable stored = at(spark, path);
        if (stored.format() == format) {
            return stored;
        }
        if (stored.committed()) {
            throw new IllegalArgumentException("output " + path + " is a " + stored.format().id() + " table; pass"
                    + " --table-format " + stored.format().id() + " to add to it, or write the " + format.id()
                    + " table to another folder");
        }
        // Only a Parquet folder can be uncommitted (a Delta table is found by its log), so the run writes Delta.
        return new DeltaResultsTable(spark, path);
    }
}
