package org.phi3vspark.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Removes the committer's {@code _temporary} folder that a failed earlier run left in the table. Normally the
 * failed job deletes it when it aborts, but not when the store itself failed (S3 down, credentials expired). The
 * file output committer treats every task folder it finds there as output of the current job, so a leftover would
 * put the failed run's rows into the table a second time at the next commit. One writer per table at a time is the
 * committer's own rule, so nothing else can be using the folder when a run starts.
 */
final class CommitLeftovers {

    static final String TEMPORARY = "_temporary";

    private CommitLeftovers() {
    }

    static void clear(Configuration conf, String table, Consumer<String> log) {
        Path tmp = new Path(table, TEMPORARY);
        try {
            FileSystem fs = tmp.getFileSystem(conf);
            if (fs.exists(tmp)) {
                log.accept("[phi3v] removing " + tmp + ", left by an earlier run whose write failed");
                if (!fs.delete(tmp, true) && fs.exists(tmp)) {
                    throw new IOException("delete returned false");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + tmp + " (left by an earlier failed run; it would add"
                    + " that run's rows to the table again): " + e.getMessage(), e);
        }
    }
}
