package org.phi3vspark.model.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * WebP through the TwelveMonkeys ImageIO plugin. The fixture is golden/images/tiny_40x25.png saved by Pillow as
 * lossless WebP, so the decoded pixels must equal the PNG's exactly.
 */
class WebpDecodeTest {

    @Test
    void losslessWebpDecodesToThePngPixels() throws Exception {
        ImageDecoder decoder = new ImageDecoder(1_000_000);
        byte[] webp;
        try (InputStream in = WebpDecodeTest.class.getResourceAsStream("/images/tiny_40x25_lossless.webp")) {
            webp = in.readAllBytes();
        }
        RgbImage fromWebp = decoder.decode(webp, "tiny_40x25_lossless.webp");
        RgbImage fromPng = decoder.decode(Files.readAllBytes(org.phi3vspark.model.GoldenSet.fixtureImage("tiny_40x25.png")),
                "tiny_40x25.png");
        assertEquals(fromPng.width(), fromWebp.width());
        assertEquals(fromPng.height(), fromWebp.height());
        assertArrayEquals(fromPng.rgb(), fromWebp.rgb());
    }
}
