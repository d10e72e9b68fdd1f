package org.phi3vspark.model.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.jcodec.api.awt.AWTSequenceEncoder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.model.image.VideoDecoder.Sampling;
import org.phi3vspark.model.image.VideoDecoder.Video;
import org.phi3vspark.model.image.VideoDecoder.VideoDecodeException;

/** Frames sampled from H.264 MP4 clips this test draws and encodes itself. */
class VideoDecoderTest {
    private static final int FPS = 8;
    private static final int FRAMES = 24; // 3 seconds

    @TempDir
    static Path tmp;
    static byte[] clip;

    /**
     * Frame i is filled with grey level 40 + 8·i, so a decoded frame says which one it is (jcodec's encoder writes
     * full-range levels that a standard decoder reads as limited range, so levels stretch: compare with the
     * clip's own frames, not with 40 + 8·i).
     */
    @BeforeAll
    static void encodeClip() throws IOException {
        clip = encode(tmp.resolve("clip.mp4"), 320, 240, FRAMES);
    }

    static byte[] encode(Path file, int width, int height, int frames) throws IOException {
        AWTSequenceEncoder encoder = AWTSequenceEncoder.createSequenceEncoder(file.toFile(), FPS);
        for (int i = 0; i < frames; i++) {
            BufferedImage frame = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = frame.createGraphics();
            g.setColor(new Color(40 + 8 * i, 40 + 8 * i, 40 + 8 * i));
            g.fillRect(0, 0, width, height);
            g.dispose();
            encoder.encodeImage(frame);
        }
        encoder.finish();
        return Files.readAllBytes(file);
    }

    /** Mean level of each of the clip's frames, decoded one by one. */
    private static double[] levels;

    private static double meanLevel(RgbImage image) {
        long sum = 0;
        for (int i = 0; i < image.rgb().length; i++) {
            sum += image.rgb()[i] & 0xff;
        }
        return sum / (double) image.rgb().length;
    }

    /** The clip frame whose level is closest to this image's. */
    private static int frameNumberOf(RgbImage image) {
        if (levels == null) {
            levels = DECODER.decode(clip, "clip.mp4", Sampling.evenly(FRAMES)).images().stream()
                    .mapToDouble(VideoDecoderTest::meanLevel).toArray();
        }
        double level = meanLevel(image);
        int best = 0;
        for (int i = 1; i < levels.length; i++) {
            if (Math.abs(levels[i] - level) < Math.abs(levels[best] - level)) {
                best = i;
            }
        }
        return best;
    }

    private static final VideoDecoder DECODER = new VideoDecoder(100_000_000L, VideoDecoder.DEFAULT_MAX_SIDE);

    @Test
    void evenlySpacedFramesAreTheMiddlesOfEqualSegmentsInTimeOrder() {
        Video video = DECODER.decode(clip, "clip.mp4", Sampling.evenly(8));
        assertEquals(FRAMES, video.totalFrames());
        assertEquals(3.0, video.durationSeconds(), 1e-9);
        assertEquals(320, video.width());
        int[] numbers = video.images().stream().mapToInt(VideoDecoderTest::frameNumberOf).toArray();
        assertArrayEquals(new int[] {1, 4, 7, 10, 13, 16, 19, 22}, numbers, "frame (i + 0.5) · 24 / 8");
        double[] expected = Arrays.stream(numbers).mapToDouble(n -> n / (double) FPS).toArray();
        assertArrayEquals(expected, video.timestamps(), 1e-9);
        assertEquals(320, video.frames().get(0).image().width());
        assertEquals(240, video.frames().get(0).image().height());
    }

    @Test
    void oneFrameEverySecondsAndNoMoreFramesThanTheVideoHas() {
        Video every = DECODER.decode(clip, "clip.mp4", Sampling.every(1.0, 10));
        assertArrayEquals(new double[] {0, 1, 2}, every.timestamps(), 1e-9);
        Video capped = DECODER.decode(clip, "clip.mp4", Sampling.every(0.25, 5));
        assertEquals(5, capped.frames().size(), "max frames");
        Video all = DECODER.decode(clip, "clip.mp4", Sampling.evenly(100));
        assertEquals(FRAMES, all.frames().size(), "at most every frame once");
    }

    @Test
    void largeFramesAreScaledDownAsTheyAreDecoded() throws IOException {
        byte[] wide = encode(tmp.resolve("wide.mp4"), 1600, 896, 2);
        Video video = DECODER.decode(wide, "wide.mp4", Sampling.evenly(2));
        assertEquals(1600, video.width(), "the video's own size is reported");
        RgbImage frame = video.frames().get(1).image();
        assertEquals(1344, frame.width());
        assertEquals(753, frame.height());
        assertEquals(1, frameNumberOf(frame), "content survives the scaling");
        assertEquals(VideoDecoder.DEFAULT_MAX_SIDE, VideoDecoder.maxSideFor(4), "the model card's 4 crops per frame");
        assertEquals(16 * 336, VideoDecoder.maxSideFor(16), "a 1x16 grid of crops");
    }

    @Test
    void badVideosAreNamedWithTheReason() throws IOException {
        VideoDecoder strict = new VideoDecoder(320L * 240 - 1, VideoDecoder.DEFAULT_MAX_SIDE);
        String huge = assertThrows(VideoDecodeException.class, () -> strict.decode(clip, "big.mp4", Sampling.evenly(2)))
                .getMessage();
        assertTrue(huge.contains("cannot decode video big.mp4") && huge.contains("exceed the limit"), huge);

        byte[] truncated = Arrays.copyOf(clip, clip.length / 3);
        String cut = assertThrows(VideoDecodeException.class,
                () -> DECODER.decode(truncated, "cut.mp4", Sampling.evenly(8))).getMessage();
        assertTrue(cut.contains("cannot decode video cut.mp4: corrupt or truncated video"), cut);

        byte[] png = Files.readAllBytes(Path.of("../testdata/golden/images/tiny_40x25.png"));
        String image = assertThrows(VideoDecodeException.class,
                () -> DECODER.decode(png, "still.png", Sampling.evenly(8))).getMessage();
        assertTrue(image.contains("still.png: unsupported or unrecognised video format"), image);

        String empty = assertThrows(VideoDecodeException.class,
                () -> DECODER.decode(new byte[0], "empty.mp4", Sampling.evenly(8))).getMessage();
        assertTrue(empty.contains("empty.mp4: no video data (0 bytes)"), empty);
        assertTrue(assertThrows(VideoDecodeException.class, () -> DECODER.decode(png, "x", Sampling.evenly(1)))
                instanceof ImageDecodeException, "a decode-stage failure like an undecodable image");
    }

    @Test
    void samplingIsValidated() {
        assertThrows(IllegalArgumentException.class, () -> new Sampling(8, 2.0, 8));
        assertThrows(IllegalArgumentException.class, () -> new Sampling(0, 0, 8));
        assertEquals("frames=8", Sampling.evenly(8).describe());
        assertEquals("every_seconds=2.5,max_frames=16", Sampling.every(2.5, 16).describe());
    }
}
