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

    /**
     * The item the row is about: its images, or its video and the frames sampled from it.
     *
     * @param imageUris       the image files, in prompt order; null for a video item
     * @param videoUri        the video file of a video item; null for an item of images
     * @param imageSizes      decoded size per image (a video item: per sampled frame, as given to the model)
     * @param frameTimestamps a video item's sampled frames, seconds from its start, in prompt order; else null
     */
    public record Item(String itemId, List<String> imageUris, String videoUri, List<ImageSize> imageSizes,
                       List<Double> frameTimestamps, String contentKey) {

        /** The row's item for a work item: images, or a video with the frames it gave (null before decoding). */
        public static Item of(WorkItem w, List<ImageSize> sizes, List<Double> frameTimestamps) {
            return w.isVideo()
                    ? new Item(w.itemId(), null, w.imageUris().get(0), sizes, frameTimestamps, w.contentKey())
                    : new Item(w.itemId(), w.imageUris(), null, sizes, null, w.contentKey());
        }
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
