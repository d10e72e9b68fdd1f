package org.phi3vspark.udf;

import java.time.Instant;
import java.util.List;
import org.phi3vspark.udf.task.GenerationSettings;
import org.phi3vspark.udf.task.ParsedOutput;

/**
 * One result row, as in {@link ResultSchema}: the same shape for ok and error rows (fields that do not apply
 * are null). The typed columns (caption, ocr, chart) come from {@code parsed}.
 */
public record ResultRow(String runId, WorkItem item, String response, String status, String error,
                        ErrorStage errorStage, String finishReason, Integer promptTokens, Integer imageTokens,
                        Integer outputTokens, Long latencyMs, String model, String modelRevision,
                        List<ImageSize> imageSizes, String device, Instant createdAt, ParsedOutput parsed,
                        java.time.LocalDate runDate) {

    public static final String OK = "ok";
    public static final String ERROR = "error";

    public boolean ok() {
        return OK.equals(status);
    }

    public GenerationSettings generation() {
        return item.generation();
    }
}
