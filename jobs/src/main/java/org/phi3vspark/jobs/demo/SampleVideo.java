package org.phi3vspark.jobs.demo;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.jcodec.api.awt.AWTSequenceEncoder;

/**
 * The demo's video: a short H.264 MP4 clip the project draws and encodes itself (no downloaded media). A red
 * ball rolls from the left edge of a table to the right while the sky darkens, so that the first and last frames
 * differ in a way a summary or a key-frame comparison can name.
 */
public final class SampleVideo {
    /** What the clip shows, for tests and for comparing a real model's summary with the truth. */
    public static final String DESCRIPTION = "a red ball rolls from left to right across a wooden table while the"
            + " sky behind it turns from day blue to dusk orange";
    public static final int FPS = 8;
    public static final int SECONDS = 4;
    public static final int WIDTH = 480;
    public static final int HEIGHT = 320;

    private SampleVideo() {
    }

    /**
     * Writes the clip to {@code file} (parent folders created) and returns it, unless the file already holds exactly
     * these bytes: an untouched file keeps its modification time, part of the job's content key, so a rerun skips
     * the clip like the sample images. The encoder's wall-clock creation times are zeroed so that the same clip is
     * the same bytes.
     */
    public static Path write(Path file) {
        Path encoded = null;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            encoded = Files.createTempFile("phi3v-clip-", ".mp4");
            AWTSequenceEncoder encoder = AWTSequenceEncoder.createSequenceEncoder(encoded.toFile(), FPS);
            int frames = FPS * SECONDS;
            for (int i = 0; i < frames; i++) {
                encoder.encodeImage(frame(i / (double) (frames - 1)));
            }
            encoder.finish();
            byte[] bytes = withoutCreationTimes(Files.readAllBytes(encoded));
            if (!Files.isRegularFile(file) || !Arrays.equals(bytes, Files.readAllBytes(file))) {
                Files.write(file, bytes);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo clip " + file, e);
        } finally {
            if (encoded != null) {
                encoded.toFile().delete();
            }
        }
    }

    /**
     * The MP4 with the creation and modification times of its movie, track and media headers (mvhd, tkhd, mdhd in
     * the moov box) set to 0, the only bytes that differ between two encodings of the same frames.
     */
    static byte[] withoutCreationTimes(byte[] mp4) {
        ByteBuffer b = ByteBuffer.wrap(mp4);
        for (int box = 0; box + 8 <= mp4.length; ) {
            long size = b.getInt(box) & 0xffffffffL;
            if (size == 1 && box + 16 <= mp4.length) {
                size = b.getLong(box + 8); // a 64-bit size follows the type (jcodec writes mdat so)
            }
            if (size < 8 || box + size > mp4.length) {
                break;
            }
            if (type(mp4, box + 4).equals("moov")) {
                for (int i = box + 8; i + 12 <= box + size; i++) {
                    String t = type(mp4, i);
                    if (t.equals("mvhd") || t.equals("tkhd") || t.equals("mdhd")) {
                        // after the type: version (1 byte), flags (3), then two times of 4 bytes (version 0) or 8
                        Arrays.fill(mp4, i + 8, Math.min(mp4.length, i + 8 + (mp4[i + 4] == 1 ? 16 : 8)), (byte) 0);
                    }
                }
            }
            box += (int) size;
        }
        return mp4;
    }

    private static String type(byte[] mp4, int at) {
        return new String(mp4, at, 4, StandardCharsets.ISO_8859_1);
    }

    /** The scene at time {@code t} from 0 (first frame) to 1 (last). */
    static BufferedImage frame(double t) {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(mix(new Color(120, 180, 235), new Color(235, 140, 70), t));
        g.fillRect(0, 0, WIDTH, HEIGHT);
        int tableTop = HEIGHT * 2 / 3;
        g.setColor(new Color(140, 90, 50));
        g.fillRect(0, tableTop, WIDTH, HEIGHT - tableTop);
        g.setColor(new Color(100, 60, 30));
        g.setStroke(new BasicStroke(3));
        g.drawLine(0, tableTop, WIDTH, tableTop);
        int r = 28;
        int x = (int) Math.round(r + t * (WIDTH - 2 * r));
        g.setColor(new Color(200, 30, 30));
        g.fillOval(x - r, tableTop - 2 * r, 2 * r, 2 * r);
        g.dispose();
        return image;
    }

    private static Color mix(Color a, Color b, double t) {
        return new Color((int) Math.round(a.getRed() + t * (b.getRed() - a.getRed())),
                (int) Math.round(a.getGreen() + t * (b.getGreen() - a.getGreen())),
                (int) Math.round(a.getBlue() + t * (b.getBlue() - a.getBlue())));
    }
}
