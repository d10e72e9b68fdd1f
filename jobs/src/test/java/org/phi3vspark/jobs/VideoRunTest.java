package org.phi3vspark.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.jobs.demo.SampleVideo;
import org.phi3vspark.model.text.PromptBuilder;
import org.phi3vspark.udf.task.TaskOverrides;
import org.phi3vspark.udf.task.TaskRegistry;

/**
 * A manifest that mixes a video, a still image and a corrupt video: one row per item and task, the clip as a
 * multi-image item of its sampled frames, the image as before, the bad video an error row at decode. A folder of
 * the same files is the same requests (reruns skip what is done), and other sampling settings run the clip again.
 */
class VideoRunTest {

    static final Path MODEL = TestImages.GOLDEN.resolve("checkpoints/tiny-f32");
    private static final String FRAMES = "spark.phi3v.videoFrames";

    @TempDir
    Path tmp;

    private RunSummary run(SparkSession spark, String input, Path out, List<String> tasks, String frames) {
        spark.conf().set(FRAMES, frames);
        try {
            return RunJob.run(spark, RunOptions.of(input, out.toString(), MODEL.toString(), tasks)
                    .withOverrides(TaskOverrides.small(1, 4)), s -> { });
        } finally {
            spark.conf().unset(FRAMES);
        }
    }

    @Test
    void aClipAStillAndACorruptVideoGiveOneRowEachPerTask() throws IOException {
        SparkSession spark = SharedSpark.get();
        Path media = Files.createDirectories(tmp.resolve("media"));
        Path clip = SampleVideo.write(media.resolve("clip.mp4"));
        Path still = Files.copy(TestImages.smallGoldenImages(1).get(0), media.resolve("still.png"));
        byte[] noise = new byte[4096];
        new Random(13).nextBytes(noise);
        Path bad = Files.write(media.resolve("bad.mp4"), noise);
        Path manifest = Files.write(tmp.resolve("manifest.jsonl"), List.of(
                "{\"item_id\": \"clip\", \"video_uri\": \"media/clip.mp4\"}",
                "{\"item_id\": \"still\", \"image_uri\": \"" + still + "\"}",
                "{\"item_id\": \"bad\", \"video_uri\": \"" + bad + "\"}"));
        Path out = tmp.resolve("results");

        RunSummary first = run(spark, manifest.toString(), out, List.of("caption", "video_summary"), "4");
        assertEquals(6, first.rowsWritten(), "3 rows per task");
        assertEquals(2, first.errors());
        Map<String, Row> rows = spark.read().parquet(out.toString()).collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getAs("item_id") + "/" + r.getAs("task"), r -> r));

        for (String task : List.of("caption", "video_summary")) {
            Row video = rows.get("clip/" + task);
            assertEquals("ok", video.getAs("status"), (String) video.getAs("error"));
            assertEquals(clip.toUri().toString().replace("file:///", "file:/"), video.getAs("video_uri"),
                    "relative to the manifest's folder, qualified");
            assertNull(video.getAs("image_uris"));
            List<Double> timestamps = video.getList(video.fieldIndex("frame_timestamps"));
            // 32 frames at 8 fps, 4 evenly spaced: the middle frames 4, 12, 20, 28
            assertArrayEquals(new double[] {0.5, 1.5, 2.5, 3.5},
                    timestamps.stream().mapToDouble(Double::doubleValue).toArray(), 1e-9);
            List<Row> sizes = video.getList(video.fieldIndex("image_sizes"));
            assertEquals(4, sizes.size(), "one image per frame");
            assertEquals(1, (int) video.getAs("num_crops"));
            // 480x320 frames at num_crops 1: kept at 336 on the long side, all the HD transform uses at 1 crop
            assertEquals(336, sizes.get(0).<Integer>getAs("width"));
            assertEquals(SampleVideo.HEIGHT * 336 / SampleVideo.WIDTH, sizes.get(0).<Integer>getAs("height"));
            assertTrue(((String) video.getAs("prompt")).startsWith(PromptBuilder.withImageTags("", 4)),
                    (String) video.getAs("prompt"));

            Row image = rows.get("still/" + task);
            assertEquals("ok", image.getAs("status"), (String) image.getAs("error"));
            assertEquals(1, image.getList(image.fieldIndex("image_uris")).size());
            assertNull(image.getAs("video_uri"));
            assertNull(image.getAs("frame_timestamps"));

            Row error = rows.get("bad/" + task);
            assertEquals("error", error.getAs("status"));
            assertEquals("decode", error.getAs("error_stage"));
            String message = error.getAs("error");
            assertTrue(message.startsWith("cannot decode video ") && message.contains("bad.mp4: "), message);
            assertNull(error.getAs("frame_timestamps"));
            assertNull(error.getAs("image_sizes"), "an undecoded video has no frame sizes");
        }
        assertTrue(((String) rows.get("clip/video_summary").getAs("prompt"))
                .endsWith(TaskRegistry.builtIn().get("video_summary").promptTemplate()), "the video_summary preset");

        // The same files as a folder: videos are picked up next to images, and the requests are the same.
        RunSummary folder = run(spark, media.toString(), out, List.of("caption", "video_summary"), "4");
        assertEquals(4, folder.requestsSkipped(), "clip and still are done");
        assertEquals(2, folder.rowsWritten(), "the bad video is retried, per task");

        // Other sampling settings are other requests: the clip runs again.
        RunSummary resampled = run(spark, media.toString(), out, List.of("video_summary"), "2");
        assertEquals(1, resampled.requestsSkipped(), "the still image is done");
        assertEquals(2, resampled.rowsWritten(), "the clip at 2 frames, and the bad video");
        Row two = spark.read().parquet(out.toString()).where("task = 'video_summary' AND status = 'ok'"
                + " AND size(frame_timestamps) = 2").first();
        assertEquals(2, two.getList(two.fieldIndex("image_sizes")).size());
    }

    /** A video column of another name, named with --video-column: the same video items. */
    @Test
    void aVideoColumnOfAnyNameIsReadWhenNamed() throws IOException {
        SparkSession spark = SharedSpark.get();
        Path media = Files.createDirectories(tmp.resolve("named"));
        Path clip = SampleVideo.write(media.resolve("clip.mp4"));
        Path manifest = Files.write(media.resolve("manifest.jsonl"), List.of(
                "{\"item_id\": \"c\", \"clip\": \"" + clip + "\"}"));
        Path out = tmp.resolve("named-results");
        spark.conf().set(FRAMES, "2");
        RunSummary s;
        try {
            s = RunJob.run(spark, RunOptions.of(manifest.toString(), out.toString(), MODEL.toString(),
                    List.of("video_summary")).withOverrides(TaskOverrides.small(1, 2))
                    .withMedia(RunOptions.MediaColumn.videos("clip")), line -> { });
        } finally {
            spark.conf().unset(FRAMES);
        }
        assertEquals(1, s.ok());
        Row row = spark.read().parquet(out.toString()).first();
        assertEquals(2, row.getList(row.fieldIndex("frame_timestamps")).size());
        assertTrue(((String) row.getAs("video_uri")).endsWith("clip.mp4"), (String) row.getAs("video_uri"));
    }
}
