package org.phi3vspark.udf.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.EngineException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.model.generate.NonFiniteLogitsException;
import org.phi3vspark.model.image.VideoDecoder;
import org.phi3vspark.model.text.PromptBuilder;
import org.phi3vspark.model.text.PromptException;
import org.phi3vspark.udf.conf.DevicePolicy;
import org.phi3vspark.udf.conf.Phi3vConf;
import org.phi3vspark.udf.conf.SerializableHadoopConf;
import org.phi3vspark.udf.row.ImageFile;
import org.phi3vspark.udf.row.ImageSize;
import org.phi3vspark.udf.row.Request;
import org.phi3vspark.udf.row.ResultRow;
import org.phi3vspark.udf.row.ResultSchema;
import org.phi3vspark.udf.TestClips;
import org.phi3vspark.udf.row.ResultTable;
import org.phi3vspark.udf.row.WorkItem;
import org.phi3vspark.udf.row.WorkSchema;
import org.phi3vspark.udf.snapshot.ModelRef;
import org.phi3vspark.udf.task.TaskRegistry;

/**
 * The partition function without Spark: one row per work row (in completion order), timings per stage, no thread
 * left.
 */
class PartitionRunTest {

    static final Path GOLDEN = Path.of(System.getProperty("phi3v.fixtures.dir", "../testdata/golden"));

    static Row work(String id, List<String> uris) {
        Configuration conf = new Configuration();
        List<ImageFile> images = uris.stream().map(u -> ImageFile.stat(u, conf)).toList();
        Request request = new Request("caption", PromptBuilder.withImageTags("Describe.", uris.size()), null, 1,
                GenerationConfig.greedy(2), "rk-" + id);
        return WorkSchema.LAYOUT.encode(new WorkItem(id, images, null, request, "ck-" + id, null), false);
    }

    static long prefetchThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("phi3v-prefetch")).count();
    }

    @Test
    void everyWorkRowYieldsOneRowAndThePoolIsShutDown(@TempDir Path tmp) throws Exception {
        // The repository's fixtures (not the swappable golden set): a small PNG that is always there.
        String good = GOLDEN.resolve("images/tiny_40x25.png").toAbsolutePath().toString();
        String empty = Files.write(tmp.resolve("empty.png"), new byte[0]).toString();
        String corrupt = Files.write(tmp.resolve("corrupt.png"), new byte[] {1, 2, 3, 4, 5}).toString();
        String missing = tmp.resolve("missing.png").toString();
        List<Row> in = List.of(work("a", List.of(good)), work("b", List.of(missing)), work("c", List.of(corrupt)),
                work("d", List.of(good, empty)), work("e", List.of()), work("f", List.of(good)),
                work("g", List.of(missing)));
        Phi3vConf.Settings settings = new Phi3vConf.Settings(2, 0, 0, true, 2, 3, DevicePolicy.CPU, 89_478_485L,
                64L << 20, 32, 10, 3, 0, true, 256L << 20, VideoDecoder.Sampling.evenly(8));
        ModelRef model = ModelRef.resolve(GOLDEN.resolve("checkpoints/tiny-f32").toString(), new Configuration());
        InferencePartition fn = new InferencePartition(model, settings,
                new SerializableHadoopConf(new Configuration()), TaskRegistry.builtIn(), ResultTable.of(List.of()),
                "run-1", LocalDate.of(2024, 1, 1), null, false);

        long threadsBefore = prefetchThreads();
        Iterator<Row> it = fn.call(in.iterator());
        List<ResultRow> out = new ArrayList<>();
        while (it.hasNext()) {
            out.add(ResultSchema.LAYOUT.decode(it.next()));
        }
        assertFalse(it.hasNext());
        assertThrows(java.util.NoSuchElementException.class, it::next);

        // rows come out as requests finish; sorted, they are the work rows, once each
        out.sort(java.util.Comparator.comparing(r -> r.item().itemId()));
        assertEquals(List.of("a", "b", "c", "d", "e", "f", "g"), out.stream().map(r -> r.item().itemId()).toList());
        assertEquals(List.of("ok", "error", "error", "error", "error", "ok", "error"),
                out.stream().map(r -> r.outcome().status()).toList());
        assertEquals("read", out.get(1).outcome().errorStage().id());
        assertTrue(out.get(1).outcome().error().contains("missing.png"), out.get(1).outcome().error());
        assertTrue(out.get(1).outcome().error().contains("file not found"), out.get(1).outcome().error());
        assertEquals("decode", out.get(2).outcome().errorStage().id());
        assertEquals("read", out.get(3).outcome().errorStage().id());
        assertTrue(out.get(3).outcome().error().contains("empty.png"), out.get(3).outcome().error());

        // Each row's timings are its own stages; the model's prefill and decode only where the model ran.
        ResultRow.Timings ok = out.get(0).timings();
        for (Double stage : List.of(ok.readMs(), ok.imageDecodeMs(), ok.preprocessMs(), ok.prefillMs(), ok.decodeMs())) {
            assertNotNull(stage);
            assertTrue(stage >= 0, ok.toString());
        }
        assertTrue(ok.prefillMs() > 0, "the prefill ran: " + ok);
        ResultRow.Timings decodeFailed = out.get(2).timings();
        assertNotNull(decodeFailed.readMs());
        assertNotNull(decodeFailed.imageDecodeMs());
        assertNull(decodeFailed.preprocessMs());
        assertNull(decodeFailed.prefillMs());

        // The iterator's end shuts the per-partition pool down: its threads end (shutdownNow does not wait).
        long deadline = System.currentTimeMillis() + 10_000;
        while (prefetchThreads() > threadsBefore && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(threadsBefore, prefetchThreads(), "prefetch threads left running after the partition");
    }

    static Row videoWork(String id, Path video, VideoDecoder.Sampling sampling) {
        Request request = new Request("caption", "Describe.", null, 1, GenerationConfig.greedy(2), "rk-" + id);
        return WorkSchema.LAYOUT.encode(new WorkItem(id, List.of(ImageFile.stat(video.toString(), new Configuration())),
                sampling, request, "ck-" + id, null), false);
    }

    @Test
    void aVideoIsAMultiImageItemOfItsSampledFramesAndABadOneIsADecodeError(@TempDir Path tmp) throws Exception {
        Path clip = TestClips.clip(tmp.resolve("clip.mp4"), 64, 48, 16);
        Path short3 = TestClips.clip(tmp.resolve("short.mp4"), 64, 48, 3);
        Path large = TestClips.clip(tmp.resolve("large.mp4"), 400, 300, 4);
        byte[] bytes = Files.readAllBytes(clip);
        Path truncated = Files.write(tmp.resolve("truncated.mp4"), Arrays.copyOf(bytes, bytes.length / 3));
        Path corrupt = Files.write(tmp.resolve("corrupt.mp4"), new Random(7).ints(4096, 0, 256)
                .collect(ByteArrayOutputStream::new, ByteArrayOutputStream::write, (a, b) -> { }).toByteArray());
        List<Row> in = List.of(videoWork("clip", clip, VideoDecoder.Sampling.evenly(4)),
                videoWork("short", short3, VideoDecoder.Sampling.evenly(4)),
                videoWork("large", large, VideoDecoder.Sampling.evenly(2)),
                videoWork("truncated", truncated, VideoDecoder.Sampling.evenly(4)),
                videoWork("corrupt", corrupt, VideoDecoder.Sampling.evenly(4)),
                work("still", List.of(GOLDEN.resolve("images/tiny_40x25.png").toAbsolutePath().toString())));
        Phi3vConf.Settings settings = Phi3vConf.Settings.defaults();
        ModelRef model = ModelRef.resolve(GOLDEN.resolve("checkpoints/tiny-f32").toString(), new Configuration());
        InferencePartition fn = new InferencePartition(model, settings,
                new SerializableHadoopConf(new Configuration()), TaskRegistry.builtIn(), ResultTable.of(List.of()),
                "run-1", LocalDate.of(2024, 1, 1), null, false);
        Map<String, ResultRow> out = new HashMap<>(); // rows come in completion order
        fn.call(in.iterator()).forEachRemaining(r -> {
            ResultRow row = ResultSchema.LAYOUT.decode(r);
            out.put(row.item().itemId(), row);
        });
        assertEquals(in.size(), out.size());

        ResultRow video = out.get("clip");
        assertEquals("ok", video.outcome().status(), video.outcome().error());
        assertNull(video.item().imageUris(), "a video item has no image files");
        assertEquals(clip.toString(), video.item().videoUri());
        assertArrayEquals(new double[] {0.25, 0.75, 1.25, 1.75}, video.item().frameTimestamps().stream()
                .mapToDouble(Double::doubleValue).toArray(), 1e-9, "the middle frames of 4 parts: 2, 6, 10, 14 at 8 fps");
        assertEquals(Collections.nCopies(4, new ImageSize(64, 48)), video.item().imageSizes());
        assertEquals(PromptBuilder.withImageTags("Describe.", 4), video.request().prompt(), "one tag per frame");
        assertTrue(video.outcome().tokens().image() > 0);

        ResultRow few = out.get("short");
        assertEquals("ok", few.outcome().status(), few.outcome().error());
        assertEquals(3, few.item().frameTimestamps().size(), "a video shorter than the sampling gives every frame");
        assertEquals(PromptBuilder.withImageTags("Describe.", 3), few.request().prompt());

        ResultRow scaled = out.get("large");
        assertEquals("ok", scaled.outcome().status(), scaled.outcome().error());
        assertEquals(Collections.nCopies(2, new ImageSize(336, 252)), scaled.item().imageSizes(),
                "400x300 frames kept at the largest side the HD transform gives at num_crops 1");

        for (ResultRow bad : List.of(out.get("truncated"), out.get("corrupt"))) {
            assertEquals("error", bad.outcome().status());
            assertEquals("decode", bad.outcome().errorStage().id());
            assertTrue(bad.outcome().error().startsWith("cannot decode video " + bad.item().videoUri() + ": "),
                    bad.outcome().error());
            assertNull(bad.item().frameTimestamps());
            assertNull(bad.item().imageSizes(), "an undecoded video has no frame sizes, not one unknown one");
        }
        assertTrue(out.get("truncated").outcome().error().contains("truncated"), out.get("truncated").outcome().error());

        ResultRow still = out.get("still");
        assertEquals("ok", still.outcome().status());
        assertNull(still.item().videoUri());
        assertNull(still.item().frameTimestamps());
    }

    @Test
    void modelFailuresAreToldFromBadRequests() {
        assertTrue(ModelFailures.isModelFailure(new NonFiniteLogitsException(0, 0, "NaN")));
        assertTrue(ModelFailures.isModelFailure(new EngineException("CUDA error: an illegal memory access")));
        assertTrue(ModelFailures.isModelFailure(new OutOfMemoryError("Java heap space")));
        assertTrue(ModelFailures.isModelFailure(new IllegalStateException("wrapped",
                new RuntimeException("CUDA out of memory. Tried to allocate 2.00 GiB"))));
        assertTrue(ModelFailures.isModelFailure(new IllegalStateException("model was closed")), "unexpected");
        assertFalse(ModelFailures.isModelFailure(new IllegalArgumentException("image block 1 has 10 placeholders")));
        assertFalse(ModelFailures.isModelFailure(new PromptException("Image tag 1 in the prompt is <|image_2|>")));
    }

    @Test
    void theModelFailureBehindAFailedJobIsFoundWithOrWithoutItsClass() {
        ModelFailedException cause = new ModelFailedException("the model failed on 3 request(s) in a row", null);
        assertEquals(cause.getMessage(), ModelFailedException.findIn(new SparkException("Job aborted", cause))
                .orElseThrow());
        // A cluster driver may only have the text of the executor's exception.
        SparkException text = new SparkException("Job aborted due to stage failure: Task 0 in stage 3.0 failed 4"
                + " times, most recent failure: Lost task 0.3: " + ModelFailedException.class.getName()
                + ": the model failed on 3 request(s) in a row\n\tat org.phi3vspark...");
        assertEquals("the model failed on 3 request(s) in a row", ModelFailedException.findIn(text).orElseThrow());
        assertTrue(ModelFailedException.findIn(new SparkException("disk full")).isEmpty());
    }
}
