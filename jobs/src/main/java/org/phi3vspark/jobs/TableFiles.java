package org.phi3vspark.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/** File checks of the results table implementations, on whatever Hadoop file system the table is on. */
final class TableFiles {

    private TableFiles() {
    }

    /** Whether {@code file} (in or at the table {@code table}) exists. */
    static boolean exists(SparkSession spark, String table, Path file) {
        try {
            return file.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot access table " + table + ": " + e.getMessage(), e);
        }
    }
}
