package org.phi3vspark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.model.config.ModelConfig;
import org.phi3vspark.model.config.VisionConfig;
import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.model.generate.GenerationRequest;
import org.phi3vspark.model.generate.GenerationResult;
import org.phi3vspark.model.image.ImageDecoder;
import org.phi3vspark.model.image.ProcessedImage;
import org.phi3vspark.model.text.ChatMessage;
import org.phi3vspark.model.text.Prompt;

/**
 * The runtime at Phi-3.5-vision-instruct's own dimensions: random checkpoints made from the real config.json with
 * only the layer count changed (hidden 3072, 32 heads of 96, MLP 8192, the real LongRoPE factor lists, no
 * vision_config so the CLIP ViT-L/14-336 fallback runs). The golden cases cover numerics at tiny sizes; these
 * cover what only the real sizes show: shapes, token counts, memory per layer, the long-factor switch at 4,096
 * with head_dim 96. About 6 GB of temporary checkpoints, a minute or so on 2 cores.
 */
class RealDimensionsTest {
    private static final long MIB = 1 << 20;

    @TempDir
    static Path tmp;
    static Path oneLayer;
    static Path fourLayers;

    @BeforeAll
    static void writeCheckpoints() {
        oneLayer = tmp.resolve("real-1");
        fourLayers = tmp.resolve("real-4");
        RandomCheckpoint.write(oneLayer, ModelShape.parse("real,layers=1"), 11, RandomCheckpoint.Progress.NONE);
        RandomCheckpoint.write(fourLayers, ModelShape.parse("real,layers=4"), 11, RandomCheckpoint.Progress.NONE);
    }

    static GenerationRequest textRequest(Phi3VModel model, int promptTokens, int maxNewTokens,
            org.phi3vspark.model.generate.LogitsProcessor hook) {
        String filler = "";
        for (int attempt = 0; attempt < 4; attempt++) {
            Prompt prompt = model.promptBuilder().build(List.of(new ChatMessage("user", "Count:" + filler)), new int[0]);
            int missing = promptTokens - prompt.length();
            if (missing == 0) {
                GenerationConfig config = new GenerationConfig(maxNewTokens, 0, 0, 1.0, 0, new int[0], null);
                return new GenerationRequest(prompt, List.of(), config, hook);
            }
            filler += " the".repeat(Math.max(0, missing));
        }
        throw new AssertionError("cannot build a prompt of " + promptTokens + " tokens");
    }

    @Test
    void shapesAndImageTokensAtTheRealSizes() throws Exception {
        try (Phi3VModel model = Phi3VModel.load(oneLayer, Device.cpu())) {
            ModelConfig c = model.config();
            assertEquals(3072, c.hiddenSize());
            assertEquals(32, c.numAttentionHeads());
            assertEquals(96, c.headDim());
            assertEquals(8192, c.intermediateSize());
            assertEquals(48, c.ropeScaling().longFactor().length);
            assertEquals(VisionConfig.clipLarge336(), c.vision(), "no vision_config: CLIP ViT-L/14-336");

            byte[] png = Files.readAllBytes(GoldenSet.fixtureImage("chelsea.png"));
            ProcessedImage image = model.imageProcessor().process(new ImageDecoder(Long.MAX_VALUE).decode(png, "chelsea"),
                    1);
            int h = image.cropsH();
            int w = image.cropsW();
            assertEquals((h * w + 1) * 144 + 1 + (h + 1) * 12, image.numImgTokens(), "the spec's token count");
            try (NDManager manager = model.manager().newSubManager()) {
                NDArray features = model.imageEmbedding().embed(manager, image);
                assertArrayEquals(new long[] {image.numImgTokens(), 3072}, features.getShape().getShape());
            }
            Prompt prompt = model.promptBuilder().build(
                    List.of(new ChatMessage("user", "<|image_1|>\nDescribe the image.")), new int[] {image.numImgTokens()});
            GenerationResult result = model.generate(new GenerationRequest(prompt, List.of(image),
                    GenerationConfig.greedy(2)));
            assertEquals(prompt.length(), result.promptTokens());
            assertEquals(image.numImgTokens(), result.imageTokens());
            assertTrue(result.outputTokens() >= 1);
        }
    }

    /**
     * Peak memory of a 1,000-token prefill above the loaded model: four layers need only the three extra layers'
     * KV cache more than one layer (plus slack), because each layer's temporaries are freed before the next
     * layer runs. Before, every layer's ~250 MB of temporaries stayed until the prefill ended.
     *
     * <p>Measured in child JVMs with glibc's mmap threshold fixed at 64 KiB, so that freed tensors go back to
     * the system at once and the peak resident size is the peak of live memory; with the default dynamic
     * threshold, malloc keeps freed blocks and the figure swings by ±150 MB from run to run.
     */
    @Test
    void prefillMemoryDoesNotGrowWithTheLayerCount() throws Exception {
        long one = prefillPeakAboveLoaded(oneLayer);
        long four = prefillPeakAboveLoaded(fourLayers);
        long kvPerLayer = 2L * (PrefillPeak.PROMPT_TOKENS + 1) * 3072 * 4;
        long bound = 3 * kvPerLayer + 48 * MIB;
        assertTrue(four - one < bound, "prefill peak above the loaded model: 1 layer " + one / MIB + " MiB, 4 layers "
                + four / MIB + " MiB; growth allowed " + bound / MIB + " MiB");
        assertTrue(one < 512 * MIB, "one layer's working set at 1,000 tokens: " + one / MIB + " MiB");
    }

    private static long prefillPeakAboveLoaded(Path dir) throws Exception {
        List<String> lines = ChildJvm.run(tmp, List.of("-Xmx256m"), Map.of("MALLOC_MMAP_THRESHOLD_", "65536"),
                PrefillPeak.class.getName(), dir.toString());
        return Long.parseLong(ChildJvm.lastLine(lines, PrefillPeak.OUTPUT));
    }

    /**
     * A 4,090-token prompt generates past original_max_position_embeddings (4,096): the cache is rebuilt with
     * the long factors, and the next logits equal those of a fresh prefill of the whole sequence, which uses the
     * long factors from the start.
     */
    @Test
    void longFactorsTakeOverPast4096AtHeadDim96() {
        try (Phi3VModel model = Phi3VModel.load(oneLayer, Device.cpu())) {
            int promptTokens = 4090;
            int steps = 8;
            List<float[]> seen = new ArrayList<>();
            GenerationRequest request = textRequest(model, promptTokens, steps, (generated, logits) -> seen.add(logits.clone()));
            GenerationResult result = model.generate(request);
            assertEquals(steps, result.outputTokens());
            // The last step's logits come from position promptTokens + steps − 2 = 4,096: past the switch.
            long[] ids = request.prompt().inputIds();
            long[] sequence = java.util.Arrays.copyOf(ids, ids.length + steps - 1);
            System.arraycopy(result.generatedIds(), 0, sequence, ids.length, steps - 1);
            assertTrue(model.decoder().rope().usesLongFactors(sequence.length));
            Prompt whole = new Prompt(request.prompt().text(), sequence, List.of(sequence), new int[0]);
            float[] fresh = model.promptLogits(
                    new GenerationRequest(whole, List.of(), request.config()), new int[] {sequence.length - 1})[0];
            GoldenModelTest.assertClose(fresh, seen.get(steps - 1), 1e-4, "logits after the long-factor switch");
        }
    }
}
