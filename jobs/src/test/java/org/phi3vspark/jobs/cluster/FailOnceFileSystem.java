package org.phi3vspark.jobs.cluster;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Scheme {@code failonce:}: local files, except that the second file a JVM opens kills the task that opens it, once
 * for the whole test (a marker file in {@code phi3v.test.failOnceDir} makes it once across executor JVMs). With
 * one item per batch and no prefetch beyond the next item, that task has already handed one result row to the
 * writer when it dies, so the test sees what a task lost mid-write does to the table. It throws an Error because
 * the job turns every exception of an image read into an error row, which is what it should do for bad input.
 */
public final class FailOnceFileSystem extends RawLocalFileSystem {

    /** Hadoop setting naming the marker folder; without it this file system never fails. */
    public static final String DIR_KEY = "phi3v.test.failOnceDir";
    public static final String MARKER = "task-killed";

    private static final AtomicInteger OPENS = new AtomicInteger();

    /** What the job must not mistake for bad input. */
    public static final class TaskKilled extends Error {
        private static final long serialVersionUID = 1L;

        TaskKilled(String message) {
            super(message);
        }
    }

    @Override
    public URI getUri() {
        return URI.create("failonce:///");
    }

    @Override
    public String getScheme() {
        return "failonce";
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        String dir = getConf() == null ? null : getConf().get(DIR_KEY);
        if (dir != null && OPENS.incrementAndGet() == 2) {
            java.nio.file.Path marker = java.nio.file.Path.of(dir, MARKER);
            try {
                Files.createDirectories(marker.getParent());
                Files.writeString(marker, ProcessHandle.current().pid() + " " + f + "\n", StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
                throw new TaskKilled("test hook: killing the task that opens " + f);
            } catch (FileAlreadyExistsException alreadyKilledOne) {
                // Another executor JVM killed its task already.
            }
        }
        return super.open(f, bufferSize);
    }
}
