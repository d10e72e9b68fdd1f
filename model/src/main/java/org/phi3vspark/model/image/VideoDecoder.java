package org.phi3vspark.model.image;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jcodec.api.FrameGrab;
import org.jcodec.api.JCodecException;
import org.jcodec.api.PictureWithMetadata;
import org.jcodec.common.DemuxerTrackMeta;
import org.jcodec.common.io.ByteBufferSeekableByteChannel;
import org.jcodec.common.model.Size;
import org.jcodec.scale.AWTUtil;

/**
 * Samples frames of a video (MP4 / MOV with H.264, decoded in pure Java by jcodec) as RGB images in time order,
 * for a multi-frame item (Phi-3.5-vision's video summarization and key-frame comparison). Each frame is decoded,
 * converted and scaled down to at most {@code maxSide} on its longest side before the next one is decoded, so a
 * video never holds more than one full-size frame.
 *
 * <p>Thread-safe: every call uses its own demuxer and decoder.
 */
public final class VideoDecoder {
    /** Longest side kept by default: {@link #maxSideFor} at num_crops 4, the model card's setting per frame. */
    public static final int DEFAULT_MAX_SIDE = 1344;

    /**
     * The longest side the HD transform can give an image at {@code numCrops} (a row or column of that many
     * 336-pixel crops): frames scaled down to it keep every pixel the model would see at that setting.
     */
    public static int maxSideFor(int numCrops) {
        return Math.max(1, numCrops) * ProcessedImage.CROP_SIZE;
    }

    /**
     * Which frames to take: {@code frames} evenly spaced, or one every {@code everySeconds}, at most {@code maxFrames}.
     * Serializable: a planned video item carries its sampling to the executor that decodes it.
     */
    public record Sampling(int frames, double everySeconds, int maxFrames) implements java.io.Serializable {
        public Sampling {
            if (frames < 0 || everySeconds < 0 || (frames > 0) == (everySeconds > 0)) {
                throw new IllegalArgumentException("video sampling needs exactly one of frames > 0 and every_seconds"
                        + " > 0, got frames " + frames + ", every_seconds " + everySeconds);
            }
            if (!Double.isFinite(everySeconds)) {
                throw new IllegalArgumentException("every_seconds must be finite, got " + everySeconds);
            }
            if (maxFrames < 1) {
                throw new IllegalArgumentException("max frames must be >= 1, got " + maxFrames);
            }
        }

        public static Sampling evenly(int frames) {
            return new Sampling(frames, 0, frames);
        }

        public static Sampling every(double seconds, int maxFrames) {
            return new Sampling(0, seconds, maxFrames);
        }

        /** A stable description, part of request keys: other sampling, other frames, other answer. */
        public String describe() {
            return frames > 0 ? "frames=" + frames : String.format(Locale.ROOT, "every_seconds=%s,max_frames=%d",
                    everySeconds, maxFrames);
        }

        /** Frame numbers to take from a video of {@code total} frames lasting {@code duration} seconds. */
        int[] frameNumbers(int total, double duration) {
            List<Integer> picks = new ArrayList<>();
            if (frames > 0) {
                int n = Math.min(frames, total);
                for (int i = 0; i < n; i++) {
                    // the middle frame of each of n equal segments
                    picks.add((int) Math.min(total - 1, Math.floor((i + 0.5) * total / n)));
                }
            } else {
                double fps = duration > 0 ? total / duration : 1;
                for (double t = 0; t < duration && picks.size() < maxFrames; t += everySeconds) {
                    picks.add((int) Math.min(total - 1, Math.floor(t * fps)));
                }
                if (picks.isEmpty()) {
                    picks.add(0);
                }
            }
            return picks.stream().distinct().mapToInt(Integer::intValue).toArray();
        }
    }

    /** One sampled frame and where it is in the video. */
    public record Frame(RgbImage image, double timestampSeconds) {
    }

    /** The sampled frames in time order, with the video's own size and length. */
    public record Video(List<Frame> frames, int width, int height, double durationSeconds, int totalFrames) {
        public Video {
            frames = List.copyOf(frames);
        }

        public List<RgbImage> images() {
            return frames.stream().map(Frame::image).toList();
        }

        public double[] timestamps() {
            return frames.stream().mapToDouble(Frame::timestampSeconds).toArray();
        }
    }

    /** A video that cannot be decoded; the message names the source and the reason. */
    public static final class VideoDecodeException extends ImageDecodeException {
        private static final long serialVersionUID = 1L;

        VideoDecodeException(String source, String problem, Throwable cause) {
            super("video", source, problem, cause);
        }
    }

    private final long maxPixels;
    private final int maxSide;

    /**
     * @param maxPixels largest width × height of the video accepted, checked from the container before decoding
     * @param maxSide   frames are scaled down so that their longest side is at most this
     */
    public VideoDecoder(long maxPixels, int maxSide) {
        if (maxPixels < 1 || maxSide < 1) {
            throw new IllegalArgumentException("maxPixels and maxSide must be positive, got " + maxPixels + ", "
                    + maxSide);
        }
        this.maxPixels = maxPixels;
        this.maxSide = maxSide;
    }

    /**
     * @throws VideoDecodeException for empty, unrecognised, truncated or corrupt data, an unsupported codec, a
     *     video without frames, or one larger than maxPixels
     */
    public Video decode(byte[] bytes, String source, Sampling sampling) {
        if (bytes == null || bytes.length == 0) {
            throw new VideoDecodeException(source, "no video data (0 bytes)", null);
        }
        try {
            FrameGrab grab = FrameGrab.createFrameGrab(
                    new ByteBufferSeekableByteChannel(ByteBuffer.wrap(bytes), bytes.length));
            DemuxerTrackMeta meta = grab.getVideoTrack().getMeta();
            int total = meta.getTotalFrames();
            double duration = meta.getTotalDuration();
            if (total <= 0) {
                throw new VideoDecodeException(source, "the video track has no frames", null);
            }
            Size size = meta.getVideoCodecMeta() == null ? null : meta.getVideoCodecMeta().getSize();
            if (size == null || size.getWidth() <= 0 || size.getHeight() <= 0) {
                throw new VideoDecodeException(source, "the video track gives no frame size", null);
            }
            long pixels = (long) size.getWidth() * size.getHeight();
            if (pixels > maxPixels) {
                throw new VideoDecodeException(source, "frames of " + size.getWidth() + "x" + size.getHeight() + " = "
                        + pixels + " pixels exceed the limit of " + maxPixels + " pixels", null);
            }
            List<Frame> frames = new ArrayList<>();
            for (int number : sampling.frameNumbers(total, duration)) {
                grab.seekToFramePrecise(number);
                PictureWithMetadata picture = grab.getNativeFrameWithMetadata();
                if (picture == null) {
                    throw new VideoDecodeException(source, "frame " + number + " of " + total
                            + " is missing (truncated video?)", null);
                }
                frames.add(new Frame(scaled(AWTUtil.toBufferedImage(picture.getPicture())), picture.getTimestamp()));
            }
            return new Video(frames, size.getWidth(), size.getHeight(), duration, total);
        } catch (VideoDecodeException e) {
            throw e;
        } catch (IOException | JCodecException | RuntimeException e) {
            throw new VideoDecodeException(source, reason(e), e);
        }
    }

    /** The frame as RGB, scaled down (bilinear) when its longest side exceeds maxSide. */
    private RgbImage scaled(BufferedImage frame) {
        int w = frame.getWidth();
        int h = frame.getHeight();
        double scale = Math.min(1.0, (double) maxSide / Math.max(w, h));
        int tw = Math.max(1, (int) Math.round(w * scale));
        int th = Math.max(1, (int) Math.round(h * scale));
        BufferedImage target = frame;
        if (tw != w || th != h) {
            target = new BufferedImage(tw, th, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = target.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(frame, 0, 0, tw, th, null);
            g.dispose();
        }
        byte[] rgb = new byte[3 * tw * th];
        int[] row = new int[tw];
        for (int y = 0; y < th; y++) {
            target.getRGB(0, y, tw, 1, row, 0, tw);
            for (int x = 0; x < tw; x++) {
                int p = row[x];
                int at = (y * tw + x) * 3;
                rgb[at] = (byte) (p >> 16);
                rgb[at + 1] = (byte) (p >> 8);
                rgb[at + 2] = (byte) p;
            }
        }
        return new RgbImage(tw, th, rgb);
    }

    private static String reason(Exception e) {
        String m = e.getMessage();
        if (e instanceof org.jcodec.api.UnsupportedFormatException) {
            return "unsupported or unrecognised video format" + (m == null ? "" : " (" + m + ")");
        }
        if (m != null && m.toLowerCase(Locale.ROOT).contains("codec")) {
            return "unsupported codec: " + m;
        }
        return "corrupt or truncated video (" + e.getClass().getSimpleName() + (m == null ? "" : ": " + m) + ")";
    }
}
