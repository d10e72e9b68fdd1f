package org.phi3vspark.jobs.demo;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RadialGradientPaint;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Draws the demo's sample images with Java2D. The pictures are generated rather than committed so the
 * repository holds no binaries; every drawing uses fixed sizes, colours and seeds, so the same code
 * always draws the same scene. Content that a model should read back (text, chart data) comes from
 * {@link SampleData}.
 */
public final class SampleImages {
    /** Photo-like scenes, one image each, captioned. */
    public static final String SUNSET = "sunset-hills";
    public static final String RED_BALL = "red-ball-table";
    public static final String SAILBOAT = "sailboat-lake";
    /** A text page for OCR. */
    public static final String INVOICE = "invoice";
    /** Charts with known data. */
    public static final String BAR_CHART = "bar-chart";
    public static final String LINE_CHART = "line-chart";
    /** The multi-image item: two pages of one document. */
    public static final String REPORT = "field-report";
    /** The video item: {@link SampleVideo}'s clip, summarized from its sampled frames. */
    public static final String CLIP = "rolling-ball-clip";

    private SampleImages() {
    }

    /**
     * One sample item: its id, the image files in order (or its video), the tasks that suit it and what it shows.
     *
     * @param video the video file of a video item (no images), or null
     */
    public record SampleItem(String itemId, List<Path> images, Path video, List<String> tasks, String description) {
        public SampleItem {
            images = List.copyOf(images);
            tasks = List.copyOf(tasks);
        }

        SampleItem(String itemId, List<Path> images, List<String> tasks, String description) {
            this(itemId, images, null, tasks, description);
        }
    }

    /**
     * Writes every sample image, and the sample clip, into {@code dir} (created when missing; existing files are
     * replaced) and returns the items in a fixed order.
     */
    public static List<SampleItem> writeAll(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create sample image folder " + dir, e);
        }
        List<SampleItem> items = new ArrayList<>();
        items.add(new SampleItem(SUNSET, List.of(write(sunsetHills(), dir, SUNSET + ".jpg")),
                List.of("caption"), "a sunset over green hills with a yellow sun"));
        items.add(new SampleItem(RED_BALL, List.of(write(redBallOnTable(), dir, RED_BALL + ".jpg")),
                List.of("caption"), "a red ball on a wooden table in front of a pale wall"));
        items.add(new SampleItem(SAILBOAT, List.of(write(sailboatOnLake(), dir, SAILBOAT + ".png")),
                List.of("caption"), "a white sailboat on a blue lake below mountains"));
        items.add(new SampleItem(INVOICE, List.of(write(textPage(SampleData.INVOICE_LINES, 560, 420), dir,
                INVOICE + ".png")), List.of("ocr"), "an invoice page; text in SampleData.INVOICE_LINES"));
        items.add(new SampleItem(BAR_CHART, List.of(write(barChart(SampleData.BAR_CHART), dir, BAR_CHART + ".png")),
                List.of("chart"), "a bar chart; data in SampleData.BAR_CHART"));
        items.add(new SampleItem(LINE_CHART, List.of(write(lineChart(SampleData.LINE_CHART), dir,
                LINE_CHART + ".png")), List.of("chart"), "a line chart; data in SampleData.LINE_CHART"));
        items.add(new SampleItem(REPORT, List.of(
                write(textPage(SampleData.REPORT_PAGE_1, 420, 300), dir, REPORT + "-page1.png"),
                write(textPage(SampleData.REPORT_PAGE_2, 420, 300), dir, REPORT + "-page2.png")),
                List.of("ocr"), "two pages of a field report; text in SampleData.REPORT_PAGE_1/2"));
        items.add(new SampleItem(CLIP, List.of(), SampleVideo.write(dir.resolve(CLIP + ".mp4")),
                List.of("video_summary"), SampleVideo.DESCRIPTION));
        return List.copyOf(items);
    }

    /**
     * Writes the encoded image unless the file already holds exactly these bytes: an untouched file keeps
     * its modification time, which is part of the job's content key, so a rerun skips work already done.
     */
    private static Path write(BufferedImage image, Path dir, String fileName) {
        Path file = dir.resolve(fileName);
        String format = fileName.endsWith(".jpg") ? "jpg" : "png";
        try {
            ByteArrayOutputStream encoded = new ByteArrayOutputStream();
            if (!ImageIO.write(image, format, encoded)) {
                throw new IOException("no ImageIO writer for " + format);
            }
            byte[] bytes = encoded.toByteArray();
            if (!Files.isRegularFile(file) || !Arrays.equals(bytes, Files.readAllBytes(file))) {
                Files.write(file, bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write sample image " + file, e);
        }
        return file;
    }

    private static Graphics2D graphics(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        return g;
    }

    static BufferedImage sunsetHills() {
        int w = 480;
        int h = 320;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = graphics(img);
        g.setPaint(new GradientPaint(0, 0, new Color(40, 60, 150), 0, h * 0.7f, new Color(250, 150, 70)));
        g.fillRect(0, 0, w, h);
        g.setPaint(new RadialGradientPaint(330f, 170f, 60f, new float[] {0f, 0.5f, 1f},
                new Color[] {new Color(255, 250, 200), new Color(255, 220, 80), new Color(250, 150, 70, 0)}));
        g.fill(new Ellipse2D.Double(270, 110, 120, 120));
        g.setColor(new Color(255, 230, 90));
        g.fill(new Ellipse2D.Double(305, 145, 50, 50));
        g.setColor(new Color(60, 120, 60));
        g.fill(hill(w, h, 210, 60, 0.9));
        g.setColor(new Color(40, 95, 45));
        g.fill(hill(w, h, 250, 45, 2.1));
        Random random = new Random(7);
        for (int i = 0; i < 6; i++) {
            int x = 30 + i * 75 + random.nextInt(20);
            int base = 265 + random.nextInt(25);
            g.setColor(new Color(90, 60, 30));
            g.fillRect(x - 3, base - 15, 6, 15);
            g.setColor(new Color(25, 70 + random.nextInt(30), 30));
            g.fillPolygon(new int[] {x - 14, x, x + 14}, new int[] {base - 12, base - 50, base - 12}, 3);
        }
        g.dispose();
        return img;
    }

    private static Path2D hill(int w, int h, double baseY, double amplitude, double phase) {
        Path2D.Double p = new Path2D.Double();
        p.moveTo(0, h);
        for (int x = 0; x <= w; x += 8) {
            p.lineTo(x, baseY - amplitude * Math.sin(x / (double) w * Math.PI * 1.5 + phase));
        }
        p.lineTo(w, h);
        p.closePath();
        return p;
    }

    static BufferedImage redBallOnTable() {
        int w = 400;
        int h = 300;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = graphics(img);
        g.setPaint(new GradientPaint(0, 0, new Color(235, 230, 215), w, 0, new Color(205, 200, 185)));
        g.fillRect(0, 0, w, h);
        Path2D.Double table = new Path2D.Double();
        table.moveTo(40, 190);
        table.lineTo(360, 190);
        table.lineTo(400, 260);
        table.lineTo(0, 260);
        table.closePath();
        g.setPaint(new GradientPaint(0, 190, new Color(150, 95, 50), 0, 260, new Color(110, 65, 30)));
        g.fill(table);
        g.setColor(new Color(90, 50, 20));
        g.fillRect(0, 260, w, 14);
        g.fillRect(30, 274, 16, 26);
        g.fillRect(354, 274, 16, 26);
        g.setColor(new Color(70, 45, 25, 120));
        g.fill(new Ellipse2D.Double(150, 205, 110, 22));
        g.setPaint(new RadialGradientPaint(185f, 135f, 70f, new float[] {0f, 0.35f, 1f},
                new Color[] {new Color(255, 170, 160), new Color(220, 30, 30), new Color(110, 0, 0)}));
        g.fill(new Ellipse2D.Double(150, 120, 95, 95));
        g.dispose();
        return img;
    }

    static BufferedImage sailboatOnLake() {
        int w = 480;
        int h = 320;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = graphics(img);
        g.setPaint(new GradientPaint(0, 0, new Color(120, 180, 235), 0, 160, new Color(210, 235, 250)));
        g.fillRect(0, 0, w, 170);
        g.setColor(new Color(110, 120, 140));
        g.fillPolygon(new int[] {0, 90, 170, 260, 340, 420, 480, 480, 0}, new int[] {170, 80, 140, 60, 130, 90, 150, 170, 170}, 9);
        g.setColor(Color.WHITE);
        g.fillPolygon(new int[] {243, 260, 277}, new int[] {74, 60, 74}, 3);
        g.setPaint(new GradientPaint(0, 170, new Color(40, 100, 170), 0, h, new Color(15, 50, 100)));
        g.fillRect(0, 170, w, h - 170);
        g.setColor(new Color(255, 255, 255, 70));
        g.setStroke(new BasicStroke(2f));
        Random random = new Random(11);
        for (int i = 0; i < 25; i++) {
            int x = random.nextInt(w);
            int y = 185 + random.nextInt(h - 190);
            g.drawLine(x, y, x + 12 + random.nextInt(18), y);
        }
        g.setColor(new Color(120, 70, 40));
        g.fillPolygon(new int[] {180, 300, 280, 200}, new int[] {235, 235, 258, 258}, 4);
        g.setColor(new Color(60, 40, 30));
        g.fillRect(238, 110, 4, 125);
        g.setColor(new Color(250, 250, 245));
        g.fillPolygon(new int[] {243, 243, 300}, new int[] {115, 228, 228}, 3);
        g.fillPolygon(new int[] {236, 236, 190}, new int[] {130, 228, 228}, 3);
        g.dispose();
        return img;
    }

    /** A white page with the given lines in black, monospaced so columns line up like a printed form. */
    static BufferedImage textPage(List<String> lines, int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = graphics(img);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        Font body = new Font(Font.MONOSPACED, Font.PLAIN, 13);
        Font heading = new Font(Font.SANS_SERIF, Font.BOLD, 18);
        int y = 36;
        for (int i = 0; i < lines.size(); i++) {
            g.setColor(Color.BLACK);
            g.setFont(i == 0 ? heading : body);
            FontMetrics fm = g.getFontMetrics();
            g.drawString(lines.get(i), 24, y);
            y += fm.getHeight() + (i == 0 ? 12 : 6);
        }
        g.setColor(new Color(180, 180, 180));
        g.drawRect(8, 8, w - 17, h - 17);
        g.dispose();
        return img;
    }

    /** Plot area of the charts, shared with the tests that measure bars in the pixels. */
    static final int CHART_W = 640;
    static final int CHART_H = 420;
    static final int PLOT_LEFT = 80;
    static final int PLOT_RIGHT = 610;
    static final int PLOT_TOP = 60;
    static final int PLOT_BOTTOM = 360;
    static final Color BAR_COLOR = new Color(50, 110, 200);

    /** The y value shown at the top of the plot area. */
    static double axisMax(double dataMax) {
        double step = niceStep(dataMax);
        return Math.ceil(dataMax / step) * step;
    }

    private static double niceStep(double range) {
        double raw = range / 5.0;
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double[] steps = {1, 2, 5, 10};
        for (double s : steps) {
            if (s * magnitude >= raw) {
                return s * magnitude;
            }
        }
        return 10 * magnitude;
    }

    static BufferedImage barChart(SampleData.BarChart chart) {
        BufferedImage img = new BufferedImage(CHART_W, CHART_H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = graphics(img);
        double max = chart.values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
        double top = axisMax(max);
        drawAxes(g, chart.title(), chart.xLabel(), chart.yLabel(), 0, top);
        int n = chart.values().size();
        double slot = (PLOT_RIGHT - PLOT_LEFT) / (double) n;
        for (int i = 0; i < n; i++) {
            double v = chart.values().get(i);
            int barH = (int) Math.round(v / top * (PLOT_BOTTOM - PLOT_TOP));
            int x = (int) Math.round(PLOT_LEFT + slot * i + slot * 0.2);
            int bw = (int) Math.round(slot * 0.6);
            g.setColor(BAR_COLOR);
            g.fillRect(x, PLOT_BOTTOM - barH, bw, barH);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            String label = chart.categories().get(i);
            int lw = g.getFontMetrics().stringWidth(label);
            g.drawString(label, x + bw / 2 - lw / 2, PLOT_BOTTOM + 18);
            String value = formatNumber(v);
            int vw = g.getFontMetrics().stringWidth(value);
            g.drawString(value, x + bw / 2 - vw / 2, PLOT_BOTTOM - barH - 6);
        }
        g.dispose();
        return img;
    }

    static BufferedImage lineChart(SampleData.LineChart chart) {
        BufferedImage img = new BufferedImage(CHART_W, CHART_H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = graphics(img);
        double min = chart.series().stream().flatMap(s -> s.values().stream()).mapToDouble(Double::doubleValue)
                .min().orElse(0);
        double max = chart.series().stream().flatMap(s -> s.values().stream()).mapToDouble(Double::doubleValue)
                .max().orElse(1);
        double step = niceStep(max - min);
        double bottom = Math.floor(min / step) * step;
        double top = Math.ceil(max / step) * step;
        drawAxes(g, chart.title(), chart.xLabel(), chart.yLabel(), bottom, top);
        Color[] colors = {new Color(200, 60, 50), new Color(40, 120, 200), new Color(40, 150, 80)};
        int n = chart.x().size();
        // Points start and end half a step inside the axes so that the first and last labels are not clipped.
        int inset = 30;
        double dx = (PLOT_RIGHT - PLOT_LEFT - 2.0 * inset) / (double) (n - 1);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (int i = 0; i < n; i++) {
            String label = chart.x().get(i);
            int lw = g.getFontMetrics().stringWidth(label);
            g.setColor(Color.BLACK);
            g.drawString(label, (int) Math.round(PLOT_LEFT + inset + dx * i) - lw / 2, PLOT_BOTTOM + 18);
        }
        for (int s = 0; s < chart.series().size(); s++) {
            SampleData.Series series = chart.series().get(s);
            Color c = colors[s % colors.length];
            g.setColor(c);
            g.setStroke(new BasicStroke(3f));
            int prevX = -1;
            int prevY = -1;
            for (int i = 0; i < n; i++) {
                int x = (int) Math.round(PLOT_LEFT + inset + dx * i);
                int y = (int) Math.round(PLOT_BOTTOM - (series.values().get(i) - bottom) / (top - bottom)
                        * (PLOT_BOTTOM - PLOT_TOP));
                if (prevX >= 0) {
                    g.drawLine(prevX, prevY, x, y);
                }
                g.fillOval(x - 4, y - 4, 8, 8);
                prevX = x;
                prevY = y;
            }
            g.fillRect(PLOT_RIGHT - 90, PLOT_TOP + 10 + s * 20, 14, 10);
            g.setColor(Color.BLACK);
            g.drawString(series.name(), PLOT_RIGHT - 70, PLOT_TOP + 20 + s * 20);
        }
        g.dispose();
        return img;
    }

    private static void drawAxes(Graphics2D g, String title, String xLabel, String yLabel, double bottom, double top) {
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, CHART_W, CHART_H);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        int tw = g.getFontMetrics().stringWidth(title);
        g.drawString(title, CHART_W / 2 - tw / 2, 32);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        double step = niceStep(top - bottom);
        for (double v = bottom; v <= top + 1e-9; v += step) {
            int y = (int) Math.round(PLOT_BOTTOM - (v - bottom) / (top - bottom) * (PLOT_BOTTOM - PLOT_TOP));
            g.setColor(new Color(225, 225, 225));
            g.drawLine(PLOT_LEFT, y, PLOT_RIGHT, y);
            g.setColor(Color.BLACK);
            String label = formatNumber(v);
            int lw = g.getFontMetrics().stringWidth(label);
            g.drawString(label, PLOT_LEFT - 8 - lw, y + 5);
        }
        g.setStroke(new BasicStroke(1.5f));
        g.drawLine(PLOT_LEFT, PLOT_TOP, PLOT_LEFT, PLOT_BOTTOM);
        g.drawLine(PLOT_LEFT, PLOT_BOTTOM, PLOT_RIGHT, PLOT_BOTTOM);
        int xw = g.getFontMetrics().stringWidth(xLabel);
        g.drawString(xLabel, (PLOT_LEFT + PLOT_RIGHT) / 2 - xw / 2, PLOT_BOTTOM + 44);
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.rotate(-Math.PI / 2);
        int yw = rotated.getFontMetrics().stringWidth(yLabel);
        rotated.drawString(yLabel, -((PLOT_TOP + PLOT_BOTTOM) / 2 + yw / 2), 22);
        rotated.dispose();
    }

    static String formatNumber(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
