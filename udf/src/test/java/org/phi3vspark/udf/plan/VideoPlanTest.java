package org.phi3vspark.udf.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.model.image.VideoDecoder;
import org.phi3vspark.model.text.PromptBuilder;
import org.phi3vspark.udf.conf.SerializableHadoopConf;
import org.phi3vspark.udf.row.WorkItem;
import org.phi3vspark.udf.row.WorkSchema;
import org.phi3vspark.udf.task.TaskRegistry;

/**
 * A video_uri row plans as a multi-image item whose images the executor samples: one file stat-ed, the multi-image
 * num_crops, the prompt's tags left for the frames, the sampling in the item and its request keys.
 */
class VideoPlanTest {

    private static final StructType MANIFEST = new StructType()
            .add("item_id", DataTypes.StringType)
            .add(ManifestLayout.IMAGE_URI, DataTypes.StringType)
            .add(ManifestLayout.IMAGE_URIS, DataTypes.createArrayType(DataTypes.StringType))
            .add(ManifestLayout.VIDEO_URI, DataTypes.StringType);

    @TempDir
    Path tmp;

    private List<WorkItem> plan(VideoDecoder.Sampling sampling, Object... row) {
        ManifestLayout layout = ManifestLayout.of(MANIFEST, null, List.of(), tmp.toString(), "m.jsonl");
        WorkPlanner planner = new WorkPlanner(layout, TaskRegistry.builtIn(), List.of("caption", "video_summary"),
                "rev", true, sampling, new SerializableHadoopConf(new Configuration()));
        List<WorkItem> items = new ArrayList<>();
        planner.call(new GenericRowWithSchema(row, MANIFEST)).forEachRemaining(r -> items.add(
                WorkSchema.LAYOUT.decode(r)));
        return items;
    }

    @Test
    void aVideoRowIsAMultiImageItemWhoseFramesComeLater() throws IOException {
        Files.write(tmp.resolve("clip.mp4"), new byte[] {0, 0, 0, 24, 'f', 't', 'y', 'p'});
        Files.write(tmp.resolve("still.png"), new byte[] {1});
        VideoDecoder.Sampling eight = VideoDecoder.Sampling.evenly(8);

        List<WorkItem> clip = plan(eight, "clip", null, null, "clip.mp4");
        assertEquals(2, clip.size(), "one work row per task");
        WorkItem caption = clip.get(0);
        assertEquals(eight, caption.video());
        assertEquals(1, caption.images().size(), "the one video file, stat-ed once");
        assertTrue(caption.imageUris().get(0).endsWith("/clip.mp4"), caption.imageUris().toString());
        assertEquals(8L, caption.images().get(0).length());
        assertEquals(4, caption.request().numCrops(), "each frame at the task's multi-image num_crops");
        assertEquals("Describe this image in detail.", caption.request().prompt(),
                "tags wait for the frames the video gives");
        assertNull(caption.invalid());
        WorkItem summary = clip.get(1);
        assertEquals("video_summary", summary.request().task());
        assertTrue(summary.request().prompt().startsWith("The images are frames of one video"));

        WorkItem still = plan(eight, "still", "still.png", null, null).get(0);
        assertNull(still.video());
        assertEquals(16, still.request().numCrops());
        assertEquals(PromptBuilder.withImageTags("Describe this image in detail.", 1), still.request().prompt());

        String four = plan(VideoDecoder.Sampling.evenly(4), "clip", null, null, "clip.mp4").get(0).request()
                .requestKey();
        assertNotEquals(caption.request().requestKey(), four, "other sampling settings run the video again");
        assertEquals(caption.request().requestKey(), plan(eight, "clip", null, null, "clip.mp4").get(0).request()
                .requestKey(), "a rerun with the same settings skips it");
        assertEquals(caption.contentKey(), plan(VideoDecoder.Sampling.evenly(4), "clip", null, null, "clip.mp4")
                .get(0).contentKey(), "the content key is the file's");

        WorkItem both = plan(eight, "both", "still.png", null, "clip.mp4").get(0);
        assertTrue(both.invalid().contains("image_uri and video_uri") && both.invalid().contains("fill one of them"),
                both.invalid());
    }

    @Test
    void theVideoColumnIsOneUriPerRow() {
        StructType arrays = new StructType().add(ManifestLayout.VIDEO_URI,
                DataTypes.createArrayType(DataTypes.StringType));
        var e = assertThrows(IllegalArgumentException.class,
                () -> ManifestLayout.of(arrays, null, List.of(), null, "m.parquet"));
        assertEquals("manifest m.parquet: column video_uri must be a string (one video per row), not array<string>",
                e.getMessage());
        ManifestLayout videos = ManifestLayout.of(new StructType().add(ManifestLayout.VIDEO_URI, DataTypes.StringType),
                null, List.of(), null, "m.parquet");
        assertEquals(List.of(new ManifestLayout.ImageColumn(ManifestLayout.VIDEO_URI, false, true)), videos.images());
        var none = assertThrows(ManifestLayout.NoImageColumnException.class, () -> ManifestLayout.of(
                new StructType().add("path", DataTypes.StringType), null, List.of(), null, "m.csv"));
        assertTrue(none.getMessage().contains("or video_uri (string)"), none.getMessage());
    }
}
