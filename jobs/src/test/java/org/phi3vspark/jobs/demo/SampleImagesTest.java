package org.phi3vspark.jobs.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleImagesTest {
    @TempDir
    Path tmp;

    @Test
    void writesSmallDecodableImagesForEveryItem() throws Exception {
        List<SampleImages.SampleItem> items = SampleImages.writeAll(tmp.resolve("images"));
        assertEquals(8, items.size());
        for (SampleImages.SampleItem item : items) {
            for (Path image : item.images()) {
                BufferedImage decoded = ImageIO.read(image.toFile());
                assertTrue(decoded != null, "not decodable: " + image);
                assertTrue(decoded.getWidth() >= 300 && decoded.getHeight() >= 200, image.toString());
                assertTrue(Files.size(image) < 200_000, image + " is " + Files.size(image) + " bytes");
            }
        }
        SampleImages.SampleItem report = items.stream().filter(i -> i.itemId().equals(SampleImages.REPORT))
                .findFirst().orElseThrow();
        assertEquals(2, report.images().size());
        Set<String> tasks = items.stream().flatMap(i -> i.tasks().stream()).collect(Collectors.toSet());
        assertEquals(Set.of("caption", "ocr", "chart", "video_summary"), tasks);
        SampleImages.SampleItem clip = items.stream().filter(i -> i.video() != null).findFirst().orElseThrow();
        assertEquals(SampleImages.CLIP, clip.itemId());
        assertTrue(clip.images().isEmpty() && Files.size(clip.video()) < 200_000, clip.toString());
    }

    @Test
    void drawingIsDeterministic() throws Exception {
        List<SampleImages.SampleItem> a = SampleImages.writeAll(tmp.resolve("a"));
        List<SampleImages.SampleItem> b = SampleImages.writeAll(tmp.resolve("b"));
        for (int i = 0; i < a.size(); i++) {
            for (int j = 0; j < a.get(i).images().size(); j++) {
                assertArrayEquals(Files.readAllBytes(a.get(i).images().get(j)),
                        Files.readAllBytes(b.get(i).images().get(j)), a.get(i).images().get(j).toString());
            }
        }
    }

    @Test
    void unchangedImagesAreNotRewritten() throws Exception {
        List<SampleImages.SampleItem> first = SampleImages.writeAll(tmp.resolve("same"));
        Path image = first.get(0).images().get(0);
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(image, old);
        Path other = first.get(1).images().get(0);
        Files.write(other, new byte[] {1, 2, 3});
        Path clip = first.stream().filter(i -> i.video() != null).findFirst().orElseThrow().video();
        Files.setLastModifiedTime(clip, old);
        SampleImages.writeAll(tmp.resolve("same"));
        assertEquals(old, Files.getLastModifiedTime(image), "same bytes: file untouched (keeps the content key)");
        assertEquals(old, Files.getLastModifiedTime(clip), "the clip is encoded to the same bytes every time");
        assertTrue(ImageIO.read(other.toFile()) != null, "changed file is redrawn");
    }

    /** The bars in the pixels have the heights of SampleData.BAR_CHART's values. */
    @Test
    void barHeightsMatchTheData() {
        SampleData.BarChart chart = SampleData.BAR_CHART;
        BufferedImage img = SampleImages.barChart(chart);
        double top = SampleImages.axisMax(chart.values().stream().mapToDouble(Double::doubleValue).max().orElseThrow());
        int n = chart.values().size();
        double slot = (SampleImages.PLOT_RIGHT - SampleImages.PLOT_LEFT) / (double) n;
        double pxPerUnit = (SampleImages.PLOT_BOTTOM - SampleImages.PLOT_TOP) / top;
        for (int i = 0; i < n; i++) {
            int x = (int) Math.round(SampleImages.PLOT_LEFT + slot * (i + 0.5));
            int height = 0;
            for (int y = SampleImages.PLOT_BOTTOM - 1; y > 0; y--) {
                if ((img.getRGB(x, y) & 0xFFFFFF) != (SampleImages.BAR_COLOR.getRGB() & 0xFFFFFF)) {
                    break;
                }
                height++;
            }
            assertEquals(chart.values().get(i), height / pxPerUnit, 0.5 / pxPerUnit + 1e-9,
                    "bar " + chart.categories().get(i));
        }
    }

    @Test
    void invoiceTotalsAddUp() {
        // The invoice text is meant to be read back by OCR; keep its arithmetic right.
        double subtotal = 4 * 12.50 + 2 * 30.00 + 10 * 1.75;
        assertTrue(SampleData.INVOICE_LINES.stream().anyMatch(l -> l.startsWith("Subtotal") && l.endsWith("127.50")));
        assertEquals(127.50, subtotal, 1e-9);
        assertTrue(SampleData.INVOICE_LINES.stream().anyMatch(l -> l.startsWith("Total due") && l.endsWith("159.38")));
        assertEquals(159.38, Math.round(subtotal * 1.25 * 100) / 100.0, 1e-9);
    }

    @Test
    void manifestHasOneJsonRowPerItemAndTask() throws Exception {
        List<SampleImages.SampleItem> items = SampleImages.writeAll(tmp.resolve("images"));
        Path manifest = SampleManifest.write(tmp.resolve("manifest.jsonl"), SampleManifest.rows(items));
        List<String> lines = Files.readAllLines(manifest);
        assertEquals(items.stream().mapToInt(i -> i.tasks().size()).sum(), lines.size());
        ObjectMapper json = new ObjectMapper();
        boolean sawMultiImage = false;
        boolean sawVideo = false;
        for (String line : lines) {
            JsonNode row = json.readTree(line);
            if (row.hasNonNull("video_uri")) {
                sawVideo = true;
                assertTrue(Files.isRegularFile(Path.of(java.net.URI.create(row.get("video_uri").asText()))), line);
                assertEquals("video_summary", row.get("task").asText());
                assertTrue(!row.has("image_uris"), "a row has images or a video: " + line);
                continue;
            }
            assertTrue(row.get("image_uris").isArray(), line);
            for (JsonNode uri : row.get("image_uris")) {
                assertTrue(Files.isRegularFile(Path.of(java.net.URI.create(uri.asText()))), uri.asText());
            }
            sawMultiImage |= row.get("image_uris").size() == 2;
            assertTrue(Set.of("caption", "ocr", "chart").contains(row.get("task").asText()), line);
            assertTrue(row.hasNonNull("item_id") && row.hasNonNull("description"), line);
        }
        assertTrue(sawMultiImage, "the manifest has a multi-image item");
        assertTrue(sawVideo, "the manifest has a video item");
    }

    @Test
    void jsonStringsAreEscaped() {
        assertEquals("\"a\\\"b\\\\c\\nd\\u0001\"", SampleManifest.json("a\"b\\c\nd\u0001"));
    }
}
