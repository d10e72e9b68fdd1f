package org.phi3vspark.udf;

import java.util.Locale;

/** Where a work item failed; written lower-case to {@code error_stage}. */
public enum ErrorStage {
    READ, DECODE, PREPROCESS, GENERATE, PARSE;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
