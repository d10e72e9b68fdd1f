package org.phi3vspark.udf.task;

import java.util.Locale;

/** Which typed result column a task fills from the model's text. */
public enum OutputKind {
    /** {@code caption}: the trimmed response. */
    CAPTION,
    /** {@code ocr}: text plus its non-empty lines. */
    OCR,
    /** {@code chart}: the JSON answer parsed into a typed struct, or a parse error. */
    CHART,
    /** {@code json_<task>}: the JSON answer in a column typed by the task's schema ({@link JsonColumn}). */
    JSON,
    /** Custom tasks: only the raw {@code response} column. */
    TEXT;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static OutputKind parse(String id) {
        for (OutputKind k : values()) {
            if (k.id().equals(id)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown task output '" + id
                + "': expected caption, ocr, chart, json or text");
    }
}
