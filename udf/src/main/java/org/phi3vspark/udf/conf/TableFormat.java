package org.phi3vspark.udf.conf;

import java.util.Locale;

/** How {@code phi3v run} stores its results table. */
public enum TableFormat {
    /** A folder of Hive-partitioned Parquet files: any Parquet reader, no transaction log. */
    PARQUET,
    /** A Delta Lake table: one atomic commit per run, time travel, schema evolution. */
    DELTA;

    public static TableFormat parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("table format '" + s + "' (--table-format, spark.phi3v.tableFormat) is"
                    + " unknown; use parquet or delta", e);
        }
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
