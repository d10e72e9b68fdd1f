package org.phi3vspark.udf.exec;

import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.phi3vspark.model.image.RgbImage;
import org.phi3vspark.model.image.VideoDecoder;
import org.phi3vspark.model.text.PromptBuilder;
import org.phi3vspark.udf.conf.Phi3vConf;
import org.phi3vspark.udf.row.ErrorStage;
import org.phi3vspark.udf.row.ImageFile;
import org.phi3vspark.udf.row.ImageSize;
import org.phi3vspark.udf.row.Request;
import org.phi3vspark.udf.row.WorkItem;

/**
 * A video item's images: the video read (within spark.phi3v.maxVideoBytes), its frames sampled as the item says
 * and decoded one at a time, each scaled down as it is decoded to the largest size the HD transform gives at the
 * item's num_crops ({@link VideoDecoder#maxSideFor}), so a video holds its file's bytes, one full-size frame and
 * the scaled frames. From then on the item is a multi-image item like any other.
 * Thread-safe: the prefetch threads share one.
 */
final class VideoFrames {

    /**
     * The sampled frames, in time order.
     *
     * @param item the item whose prompt has one image tag per frame (a conversation keeps its own tags)
     */
    record Frames(WorkItem item, List<RgbImage> images, List<ImageSize> sizes, List<Double> timestamps) {
    }

    private final ImageReader reader;
    private final long maxPixels;

    VideoFrames(Configuration conf, Phi3vConf.Settings settings) {
        reader = new ImageReader(conf, settings.maxVideoBytes(), Phi3vConf.MAX_VIDEO_BYTES.key());
        maxPixels = settings.maxImagePixels(); // a frame's size is limited like an image's
    }

    /** @throws StageException {@code read} when the file cannot be read, {@code decode} naming the URI and the reason */
    Frames read(WorkItem item, Stopwatch clock) throws StageException {
        ImageFile file = item.images().get(0);
        byte[] bytes = clock.time(Stopwatch.Stage.READ, () -> reader.read(file));
        VideoDecoder.Video video;
        try {
            // frames kept at most at the largest size the HD transform gives at the item's num_crops per frame
            VideoDecoder decoder = new VideoDecoder(maxPixels, VideoDecoder.maxSideFor(item.request().numCrops()));
            video = clock.time(Stopwatch.Stage.IMAGE_DECODE, () -> decoder.decode(bytes, file.uri(), item.video()));
        } catch (RuntimeException e) {
            throw new StageException(ErrorStage.DECODE, PartitionRun.naming(file.uri(), "cannot decode video", e), e);
        }
        List<RgbImage> images = video.images();
        List<ImageSize> sizes = images.stream().map(i -> new ImageSize(i.width(), i.height())).toList();
        List<Double> timestamps = video.frames().stream().map(VideoDecoder.Frame::timestampSeconds).toList();
        return new Frames(tagged(item, images.size()), images, sizes, timestamps);
    }

    /** The item with one image tag line per frame in front of its prompt, as the planner does for image items. */
    static WorkItem tagged(WorkItem item, int frames) {
        Request r = item.request();
        if (r.messages() != null) {
            return item;
        }
        return item.withRequest(new Request(r.task(), PromptBuilder.withImageTags(r.prompt(), frames), null,
                r.numCrops(), r.generation(), r.requestKey()));
    }
}
