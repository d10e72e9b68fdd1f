package org.phi3vspark.udf.row;

import java.util.Locale;

/** Where a work item failed; written lower-case to {@code error_stage}. */
public enum ErrorStage {
    /** The image could not be read (missing, empty, too large, permission denied, storage error). */
    READ,
    /** The bytes are not an image the decoder reads, or it has too many pixels. */
    DECODE,
    /** The image could not be preprocessed, or the prompt or conversation is invalid. */
    PREPROCESS,
    /** The model rejected the request itself (an input problem found while generating). */
    GENERATE,
    /**
     * The model failed on this request, not the input: non-finite logits, an engine or CUDA error, out of memory
     * with the request alone. Fewer than spark.phi3v.maxConsecutiveModelFailures in a row; more fail the task.
     */
    MODEL,
    /** The answer could not be parsed into the task's typed column. */
    PARSE;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ErrorStage parse(String id) {
        return valueOf(id.toUpperCase(Locale.ROOT));
    }
}
