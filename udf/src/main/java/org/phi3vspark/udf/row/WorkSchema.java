package org.phi3vspark.udf.row;

import java.util.List;
import org.phi3vspark.model.image.VideoDecoder;
import org.phi3vspark.model.text.ChatMessage;
import org.phi3vspark.udf.row.RowLayout.Column;

/**
 * Row layout of planned work items ({@link WorkItem}): what the planner writes and the partition function reads.
 * An internal, not a stored, schema; rows may carry the passthrough struct after these columns.
 */
public final class WorkSchema {

    private WorkSchema() {
    }

    private static final RowLayout.Builder<ImageFile> F = RowLayout.builder("ImageFile", null);
    public static final Column<ImageFile, String> URI = F.add("uri", Codec.STRING, ImageFile::uri, null);
    public static final Column<ImageFile, Long> LENGTH = F.add("length", Codec.LONG, ImageFile::length, null);
    public static final Column<ImageFile, Long> MODIFIED = F.add("modified", Codec.LONG, ImageFile::modified, null);
    public static final Column<ImageFile, String> PROBLEM = F.add("problem", Codec.STRING, ImageFile::problem, null);
    public static final RowLayout<ImageFile> IMAGE_FILE = F.build(
            v -> new ImageFile(v.get(URI), v.get(LENGTH), v.get(MODIFIED), v.get(PROBLEM)));

    private static final RowLayout.Builder<VideoDecoder.Sampling> V = RowLayout.builder("VideoSampling", null);
    public static final Column<VideoDecoder.Sampling, Integer> FRAMES = V.add("frames", Codec.INT,
            VideoDecoder.Sampling::frames, null);
    public static final Column<VideoDecoder.Sampling, Double> EVERY_SECONDS = V.add("every_seconds", Codec.DOUBLE,
            VideoDecoder.Sampling::everySeconds, null);
    public static final Column<VideoDecoder.Sampling, Integer> MAX_FRAMES = V.add("max_frames", Codec.INT,
            VideoDecoder.Sampling::maxFrames, null);
    public static final RowLayout<VideoDecoder.Sampling> VIDEO_SAMPLING = V.build(
            v -> new VideoDecoder.Sampling(v.get(FRAMES), v.get(EVERY_SECONDS), v.get(MAX_FRAMES)));

    private static final RowLayout.Builder<WorkItem> W = RowLayout.builder("WorkItem", "One planned request.");
    public static final Column<WorkItem, String> ITEM_ID = W.add("item_id", Codec.STRING, WorkItem::itemId, null);
    public static final Column<WorkItem, List<ImageFile>> IMAGES = W.add("images",
            Codec.listOf(Codec.struct(IMAGE_FILE)), WorkItem::images, null);
    public static final Column<WorkItem, VideoDecoder.Sampling> VIDEO = W.add("video", Codec.struct(VIDEO_SAMPLING),
            WorkItem::video, null);
    public static final Column<WorkItem, String> TASK = W.add("task", Codec.STRING, w -> w.request().task(), null);
    public static final Column<WorkItem, String> PROMPT = W.add("prompt", Codec.STRING, w -> w.request().prompt(),
            null);
    public static final Column<WorkItem, List<ChatMessage>> MESSAGES = W.add("messages",
            Codec.listOf(Codec.struct(Structs.MESSAGE)), w -> w.request().messages(), null);
    public static final Column<WorkItem, Integer> NUM_CROPS = W.add("num_crops", Codec.INT,
            w -> w.request().numCrops(), null);
    public static final Column<WorkItem, org.phi3vspark.model.generate.GenerationConfig> GENERATION = W.add(
            "generation", Codec.struct(Structs.GENERATION), w -> w.request().generation(), null);
    public static final Column<WorkItem, String> CONTENT_KEY = W.add("content_key", Codec.STRING,
            WorkItem::contentKey, null);
    public static final Column<WorkItem, String> REQUEST_KEY = W.add("request_key", Codec.STRING,
            w -> w.request().requestKey(), null);
    public static final Column<WorkItem, String> INVALID = W.add("invalid", Codec.STRING, WorkItem::invalid, null);

    public static final RowLayout<WorkItem> LAYOUT = W.build(v -> new WorkItem(v.get(ITEM_ID), v.get(IMAGES),
            v.get(VIDEO),
            new Request(v.get(TASK), v.get(PROMPT), v.get(MESSAGES), v.get(NUM_CROPS), v.get(GENERATION),
                    v.get(REQUEST_KEY)),
            v.get(CONTENT_KEY), v.get(INVALID)));
}
