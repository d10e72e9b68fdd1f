package org.phi3vspark.udf;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import org.jcodec.api.awt.AWTSequenceEncoder;

/** Video files the udf tests make themselves (no media is checked in). */
public final class TestClips {

    private TestClips() {
    }

    /** An H.264 MP4 of {@code frames} frames at 8 fps, each a flat grey a little lighter than the one before. */
    public static Path clip(Path file, int width, int height, int frames) throws IOException {
        AWTSequenceEncoder encoder = AWTSequenceEncoder.createSequenceEncoder(file.toFile(), 8);
        for (int i = 0; i < frames; i++) {
            BufferedImage frame = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = frame.createGraphics();
            g.setColor(new Color(40 + 8 * i, 40 + 8 * i, 40 + 8 * i));
            g.fillRect(0, 0, width, height);
            g.dispose();
            encoder.encodeImage(frame);
        }
        encoder.finish();
        return file;
    }
}
