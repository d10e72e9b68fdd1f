package org.phi3vspark.udf.task;

/**
 * The typed columns of one row; at most one of them is set, chosen by the task's {@link OutputKind}.
 *
 * @param json        a json task's answer as its {@link JsonColumn} holds it (Spark row values), or null
 * @param parseError  why the answer is not a usable value of the task's output (the row is then an error row
 *                    with error_stage parse), or null
 */
public record ParsedOutput(String caption, OcrResult ocr, ChartResult chart, Object json, String parseError) {

    public static final ParsedOutput NONE = new ParsedOutput(null, null, null, null, null);

    /** The columns as stored in the fixed layout: a chart's parse error is its {@code parse_error} field. */
    public static ParsedOutput of(String caption, OcrResult ocr, ChartResult chart) {
        return new ParsedOutput(caption, ocr, chart, null, chart == null ? null : chart.parseError());
    }

    /** An answer that is not a usable value; a chart also says why in its {@code parse_error} field. */
    static ParsedOutput failed(OutputKind kind, String parseError) {
        return new ParsedOutput(null, null, kind == OutputKind.CHART ? ChartResult.failed(parseError) : null, null,
                parseError);
    }
}
