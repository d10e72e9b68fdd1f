package org.phi3vspark.jobs.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.phi3vspark.model.ModelShape;
import org.phi3vspark.model.RandomCheckpoint;

/**
 * The demo's model: a tiny Phi-3.5-vision checkpoint with RANDOM weights ({@link RandomCheckpoint} at
 * {@link ModelShape#TINY}). The real weights are 8 GB and cannot ship with the project; this lets the demo
 * exercise every stage. Its text output is meaningless.
 */
public final class DemoCheckpoint {
    public static final long DEFAULT_SEED = 20240315L;

    private static final String STAGE = "demo checkpoint";

    private DemoCheckpoint() {
    }

    /** True when {@code dir} holds a complete random-weight checkpoint (written by this class or the bench). */
    public static boolean isDemoCheckpoint(Path dir) {
        return RandomCheckpoint.isRandomCheckpoint(dir);
    }

    /**
     * Writes the demo checkpoint into {@code dir}, unless a complete one is already there. The files
     * are written into a sibling temporary folder and renamed into place, so an interrupted run never
     * leaves a half-written checkpoint behind.
     */
    public static Path ensure(Path dir, long seed, ProgressListener progress) {
        if (isDemoCheckpoint(dir)) {
            progress.update(STAGE, 0, 0, "reusing " + dir);
            return dir;
        }
        if (Files.exists(dir) && !isEmptyDir(dir)) {
            throw new IllegalArgumentException("demo checkpoint folder " + dir
                    + " exists but does not hold a demo checkpoint; remove it or choose another folder");
        }
        Path parent = dir.toAbsolutePath().getParent();
        Path tmp;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, dir.getFileName() + ".tmp-");
            try {
                write(tmp, seed, progress);
            } catch (RuntimeException e) {
                deleteTree(tmp);
                throw e;
            }
            Files.deleteIfExists(dir);
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write demo checkpoint to " + dir, e);
        }
        return dir;
    }

    /** Writes the tiny random checkpoint into {@code dir}, reporting progress per tensor. */
    public static void write(Path dir, long seed, ProgressListener progress) {
        RandomCheckpoint.write(dir, ModelShape.TINY, seed,
                (tensor, done, total) -> progress.update(STAGE, done, total, "tensor " + tensor));
    }

    private static boolean isEmptyDir(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /** Deletes a folder tree (used to clean up a failed attempt). */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
