package org.phi3vspark.udf.task;

/** The typed columns of one row; at most one of them is set, chosen by the task's {@link OutputKind}. */
public record ParsedOutput(String caption, OcrResult ocr, ChartResult chart) {

    public static final ParsedOutput NONE = new ParsedOutput(null, null, null);

    /** The reason the typed column could not be filled, or null. */
    public String parseError() {
        return chart != null ? chart.parseError() : null;
    }
}
