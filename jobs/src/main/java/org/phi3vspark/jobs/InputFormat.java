package org.phi3vspark.jobs;

import java.util.Locale;

/** What {@code --input} points at. */
public enum InputFormat {
    /** Decide from the file extension, or from the files in the folder. */
    AUTO,
    PARQUET,
    CSV,
    JSONL,
    /** A folder or prefix of images, listed recursively; one single-image item per file. */
    IMAGES;

    public static InputFormat parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--input-format " + s + " is not an input format; use auto, parquet,"
                    + " csv, jsonl or images", e);
        }
    }
}
