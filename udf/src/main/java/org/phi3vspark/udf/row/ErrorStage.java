package org.phi3vspark.udf.row;

import java.util.Locale;

/**
 * Where a work item failed; written lower-case to {@code error_stage}: {@code read} (missing, empty, too large,
 * permission denied, storage error), {@code decode} (not an image the decoder reads, too many pixels),
 * {@code preprocess} (the image cannot be preprocessed, the prompt or conversation is invalid), {@code generate}
 * (the model rejected the request itself), {@code model} (the model failed on the request, not the input:
 * non-finite logits, an engine or CUDA error, out of memory alone; fewer than
 * spark.phi3v.maxConsecutiveModelFailures in a row, more fail the task) and {@code parse} (the answer does not
 * parse into the task's typed column, or does not conform to the task's json_schema).
 */
public enum ErrorStage {
    READ, DECODE, PREPROCESS, GENERATE, MODEL, PARSE;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ErrorStage parse(String id) {
        return valueOf(id.toUpperCase(Locale.ROOT));
    }
}
