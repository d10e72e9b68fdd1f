package org.phi3vspark.jobs;

import java.io.IOException;

/**
 * A failed write of the results table, with a message that names the table and the storage error up front (Spark
 * buries it under "Job aborted due to stage failure", and a failed job commit names only object keys).
 */
public final class WriteFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private WriteFailure(String message, Throwable cause) {
        super(message, cause);
    }

    public static WriteFailure of(ResultsTable table, Exception e) {
        String readers = switch (table.format()) {
            case PARQUET -> "Readers never see files of unfinished tasks; files that the job commit had already moved"
                    + " into the table stay (see conf/S3.md).";
            case DELTA -> "The run made no commit: readers see the table's previous version.";
        };
        return new WriteFailure("writing the results table " + table.path() + " failed: " + cause(e) + ". "
                + readers + " Rerunning the same command (mode skip-done) finishes the run without duplicates.", e);
    }

    /** The first storage error in the chain (it names the path), else the innermost message. */
    private static String cause(Throwable e) {
        Throwable last = e;
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof IOException) {
                return t.getMessage() == null ? t.toString() : t.getMessage();
            }
            last = t;
        }
        return last.getMessage() == null ? last.toString() : last.getMessage();
    }
}
