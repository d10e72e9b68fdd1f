package org.phi3vspark.udf.row;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.phi3vspark.udf.task.ParsedOutput;

/**
 * One result row, as in {@link ResultSchema}: the same shape for ok and error rows (what does not apply is null).
 */
public record ResultRow(Provenance provenance, Item item, Request request, Outcome outcome, Timings timings) {

    public static final String OK = "ok";
    public static final String ERROR = "error";

    /** Who made the row: run, model, device, when. */
    public record Provenance(String runId, String model, String modelRevision, String device, Instant createdAt,
                             LocalDate runDate) {
    }

    /** The item the row is about. */
    public record Item(String itemId, List<String> imageUris, List<ImageSize> imageSizes, String contentKey) {
    }

    /**
     * What came out: status, the answer and its typed columns, or the failure.
     *
     * @param closedEarly for an answer decoded under its task's JSON schema, whether the token budget made the
     *                    constraint finish the value sooner than the model would have; null when not constrained
     * @param parsed      the typed columns (caption, ocr, chart, a json task's), or null
     */
    public record Outcome(String status, String response, String error, ErrorStage errorStage, String finishReason,
                          Boolean closedEarly, Tokens tokens, ParsedOutput parsed) {

        public boolean ok() {
            return OK.equals(status);
        }
    }

    /** Token counts; the prompt count includes the image tokens. Null when the request never reached the model. */
    public record Tokens(Integer prompt, Integer image, Integer output) {
        public static final Tokens NONE = new Tokens(null, null, null);
    }

    /**
     * The item's own time per stage, in milliseconds: reading, decoding and preprocessing its images, and the
     * model's prefill (vision tower + prompt) and decode of its own request. Null for a stage it never reached.
     */
    public record Timings(Double readMs, Double imageDecodeMs, Double preprocessMs, Double prefillMs,
                          Double decodeMs) {

        /** The stages' sum: time spent on this item, not waiting in the engine's queue. */
        public Long latencyMs() {
            double sum = 0;
            for (Double d : new Double[] {readMs, imageDecodeMs, preprocessMs, prefillMs, decodeMs}) {
                sum += d == null ? 0 : d;
            }
            return Math.round(sum);
        }
    }
}
