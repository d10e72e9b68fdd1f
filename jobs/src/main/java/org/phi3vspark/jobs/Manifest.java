package org.phi3vspark.jobs;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A manifest as read: its rows, the folder relative URIs are resolved against, and its name for messages.
 *
 * @param empty true when the input had no rows and no columns (an empty file)
 */
public record Manifest(Dataset<Row> rows, String baseDir, String source, InputFormat format, boolean empty) {
}
