package org.phi3vspark.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ML Transformer on local[2] with the tiny checkpoint. */
class TransformerTest {

    static final Path GOLDEN = Path.of(System.getProperty("phi3v.fixtures.dir", "../testdata/golden"));

    static SparkSession spark() {
        return SparkSession.builder().master("local[2]").appName("phi3v-udf-tests")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
                .getOrCreate();
    }

    @Test
    void transformAppendsResultColumnsAndKeepsInputColumns(@TempDir Path tmp) throws IOException {
        List<Path> images;
        try (Stream<Path> s = Files.list(GOLDEN.resolve("images"))) {
            images = s.filter(p -> p.toString().endsWith(".png")).filter(p -> p.toFile().length() < 64 * 1024)
                    .sorted().limit(2).toList();
        }
        StructType schema = new StructType().add("path", DataTypes.StringType).add("topic", DataTypes.StringType)
                .add("prompt", DataTypes.StringType);
        Dataset<Row> df = spark().createDataFrame(List.of(
                RowFactory.create(images.get(0).toString(), "sales", null),
                RowFactory.create(images.get(1).toString(), "trains", "Own prompt about {topic}."),
                RowFactory.create(tmp.resolve("missing.png").toString(), "none", null)), schema);
        Phi3vTransformer t = new Phi3vTransformer()
                .setModel(GOLDEN.resolve("checkpoints/tiny-f32").toString())
                .setTask("topic_check").setPrompt("Is this about {topic}?")
                .setImageCol("path").setNumCrops(1).setMaxNewTokens(3);
        Dataset<Row> out = t.transform(df);
        assertEquals(t.transformSchema(schema), out.schema());
        // rows come out as their requests finish: found by their input columns
        Map<String, Row> rows = out.collectAsList().stream().collect(Collectors.toMap(r -> r.getAs("topic"), r -> r));
        assertEquals(3, rows.size());
        assertEquals(images.get(0).toString(), rows.get("sales").getAs("path"));
        assertEquals("ok", rows.get("sales").getAs("status"));
        assertEquals("ok", rows.get("trains").getAs("status"));
        assertEquals("error", rows.get("none").getAs("status"));
        assertEquals("read", rows.get("none").getAs("error_stage"));
        assertTrue(((String) rows.get("none").getAs("error")).contains("missing.png"));
        assertEquals(1, (Integer) rows.get("sales").getAs("num_crops"));
        assertTrue((Integer) rows.get("sales").getAs("output_tokens") <= 3);

        var clash = assertThrows(IllegalArgumentException.class,
                () -> t.transformSchema(schema.add("status", DataTypes.StringType)));
        assertTrue(clash.getMessage().contains("status"));
    }

    /**
     * A video column: each clip becomes a multi-image item of its sampled frames (timestamps and frame sizes in
     * the output), and a file that is not a video is a decode error row naming it.
     */
    @Test
    void aVideoColumnGivesOneRowPerClipWithItsFrames(@TempDir Path tmp) throws IOException {
        Path clip = TestClips.clip(tmp.resolve("clip.mp4"), 64, 48, 16);
        Path bad = Files.write(tmp.resolve("bad.mp4"), "not a video".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        StructType schema = new StructType().add("clip", DataTypes.StringType).add("name", DataTypes.StringType);
        Dataset<Row> df = spark().createDataFrame(List.of(RowFactory.create(clip.toString(), "good"),
                RowFactory.create(bad.toString(), "bad")), schema);
        Phi3vTransformer t = new Phi3vTransformer().setModel(GOLDEN.resolve("checkpoints/tiny-f32").toString())
                .setTask("caption").setVideoCol("clip").setNumCrops(1).setMaxNewTokens(2);
        Dataset<Row> out = t.transform(df);
        assertEquals(t.transformSchema(schema), out.schema());
        Map<String, Row> rows = out.collectAsList().stream().collect(Collectors.toMap(r -> r.getAs("name"), r -> r));
        Row good = rows.get("good");
        assertEquals("ok", good.getAs("status"), (String) good.getAs("error"));
        assertEquals(8, good.getList(good.fieldIndex("frame_timestamps")).size(), "spark.phi3v.videoFrames default");
        assertEquals(8, good.getList(good.fieldIndex("image_sizes")).size());
        Row failed = rows.get("bad");
        assertEquals("decode", failed.getAs("error_stage"));
        assertTrue(((String) failed.getAs("error")).startsWith("cannot decode video "), (String) failed.getAs("error"));
        assertTrue(((String) failed.getAs("error")).contains("bad.mp4"), (String) failed.getAs("error"));

        var both = assertThrows(IllegalArgumentException.class, () -> t.copy(new org.apache.spark.ml.param.ParamMap())
                .setImageCol("clip").transform(df));
        assertTrue(both.getMessage().contains("not both"), both.getMessage());
    }
}
