package org.phi3vspark.model;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.phi3vspark.model.config.ModelConfig;
import org.phi3vspark.model.config.VisionConfig;
import org.phi3vspark.model.io.SafetensorsFile;
import org.phi3vspark.model.io.SafetensorsWriter;

/**
 * Writes a Phi-3.5-vision checkpoint with RANDOM weights in the Hugging Face layout, at any
 * {@link ModelShape}: the real config.json with only the sizes changed, the real tokenizer and processor
 * files, and every tensor name the real checkpoint has (all CLIP layers, post_layernorm included). The
 * weights are streamed to disk, so a checkpoint of the real size needs no more than a few MB of heap.
 * Text produced with these weights is meaningless; the point is to run every stage at a chosen size.
 */
public final class RandomCheckpoint {
    /** Folder on the classpath holding the real config, tokenizer and processor files of the hub snapshot. */
    public static final String REAL_FILES_RESOURCE = "/org/phi3vspark/model/phi3v-files/";
    /** The real files copied next to the weights, unchanged. */
    public static final List<String> REAL_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "generation_config.json", "preprocessor_config.json");
    /** Safetensors metadata key marking a random checkpoint; its value is the shape's {@link ModelShape#spec}. */
    public static final String MARKER_KEY = "phi3v_random_weights";
    /** Standard deviation of the weight matrices (Hugging Face's initializer_range). */
    public static final double WEIGHT_STD = 0.02;

    /** How a tensor is filled, following the usual Hugging Face initialisation. */
    public enum Init { NORMAL, ONES, ZEROS }

    /** One tensor of the checkpoint. */
    public record TensorSpec(String name, long[] shape, Init init) {
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /** Told after each tensor is written: bytes written so far of the total. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (tensor, bytesDone, bytesTotal) -> {};

        void written(String tensor, long bytesDone, long bytesTotal);
    }

    private RandomCheckpoint() {
    }

    /** The real config.json with the sizes of {@code shape} (see the class comment). */
    public static JsonObject config(ModelShape shape) {
        JsonObject config = JsonParser.parseString(resourceText("config.json")).getAsJsonObject();
        config.addProperty("_name_or_path", "phi3v-random-weights " + shape.spec());
        config.addProperty("hidden_size", shape.hiddenSize());
        config.addProperty("intermediate_size", shape.intermediateSize());
        config.addProperty("num_attention_heads", shape.heads());
        config.addProperty("num_key_value_heads", shape.kvHeads());
        config.addProperty("num_hidden_layers", shape.layers());
        config.addProperty("torch_dtype", "float32");
        config.addProperty("_attn_implementation", "eager");
        JsonObject rope = config.getAsJsonObject("rope_scaling");
        int half = shape.headDim() / 2;
        rope.add("short_factor", resample(rope.getAsJsonArray("short_factor"), half));
        rope.add("long_factor", resample(rope.getAsJsonArray("long_factor"), half));
        if (!shape.usesClipLarge()) {
            ModelShape.Vision v = shape.vision();
            JsonObject img = config.getAsJsonObject("img_processor");
            img.addProperty("image_dim_out", v.hiddenSize());
            JsonObject vision = new JsonObject();
            vision.addProperty("hidden_size", v.hiddenSize());
            vision.addProperty("intermediate_size", v.intermediateSize());
            vision.addProperty("num_hidden_layers", v.layers());
            vision.addProperty("num_attention_heads", v.heads());
            vision.addProperty("projection_dim", v.hiddenSize());
            vision.addProperty("image_size", 336);
            vision.addProperty("patch_size", 14);
            vision.addProperty("num_channels", 3);
            vision.addProperty("hidden_act", "quick_gelu");
            vision.addProperty("layer_norm_eps", 1e-5);
            img.add("vision_config", vision);
        }
        return config;
    }

    /**
     * The real factor list (48 values for head_dim 96) picked at evenly spaced indices to {@code n} values,
     * so a narrower head keeps the real range of short (≈1.0-1.2) and long (≈1-60) factors.
     */
    private static JsonArray resample(JsonArray real, int n) {
        if (real.size() == n) {
            return real;
        }
        JsonArray out = new JsonArray();
        for (int i = 0; i < n; i++) {
            int at = n == 1 ? 0 : Math.round((float) i * (real.size() - 1) / (n - 1));
            out.add(real.get(at));
        }
        return out;
    }

    /**
     * Every tensor of a Phi-3.5-vision checkpoint with the sizes of {@code config}: decoder (fused qkv and
     * gate_up projections), CLIP vision tower (all configured layers and post_layernorm, as the real
     * checkpoint stores them), HD separators and the image projection MLP.
     */
    public static List<TensorSpec> tensorSpecs(ModelConfig config) {
        List<TensorSpec> specs = new ArrayList<>();
        long h = config.hiddenSize();
        long vocab = config.vocabSize();
        long qkv = (config.numAttentionHeads() + 2L * config.numKeyValueHeads()) * config.headDim();
        specs.add(new TensorSpec("lm_head.weight", new long[] {vocab, h}, Init.NORMAL));
        specs.add(new TensorSpec("model.embed_tokens.weight", new long[] {vocab, h}, Init.NORMAL));
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            specs.add(new TensorSpec(p + "input_layernorm.weight", new long[] {h}, Init.ONES));
            specs.add(new TensorSpec(p + "mlp.down_proj.weight", new long[] {h, config.intermediateSize()}, Init.NORMAL));
            specs.add(new TensorSpec(p + "mlp.gate_up_proj.weight", new long[] {2L * config.intermediateSize(), h},
                    Init.NORMAL));
            specs.add(new TensorSpec(p + "post_attention_layernorm.weight", new long[] {h}, Init.ONES));
            specs.add(new TensorSpec(p + "self_attn.o_proj.weight",
                    new long[] {h, (long) config.numAttentionHeads() * config.headDim()}, Init.NORMAL));
            specs.add(new TensorSpec(p + "self_attn.qkv_proj.weight", new long[] {qkv, h}, Init.NORMAL));
        }
        specs.add(new TensorSpec("model.norm.weight", new long[] {h}, Init.ONES));
        long hdDim = 4L * config.imageDimOut();
        String v = "model.vision_embed_tokens.";
        specs.add(new TensorSpec(v + "glb_GN", new long[] {1, 1, hdDim}, Init.NORMAL));
        specs.add(new TensorSpec(v + "sub_GN", new long[] {1, 1, 1, hdDim}, Init.NORMAL));
        VisionConfig vc = config.vision();
        long vh = vc.hiddenSize();
        long positions = (long) vc.numPatchesPerSide() * vc.numPatchesPerSide() + 1;
        String vm = v + "img_processor.vision_model.";
        specs.add(new TensorSpec(vm + "embeddings.class_embedding", new long[] {vh}, Init.NORMAL));
        specs.add(new TensorSpec(vm + "embeddings.patch_embedding.weight",
                new long[] {vh, 3, vc.patchSize(), vc.patchSize()}, Init.NORMAL));
        specs.add(new TensorSpec(vm + "embeddings.position_embedding.weight", new long[] {positions, vh}, Init.NORMAL));
        for (int i = 0; i < vc.numHiddenLayers(); i++) {
            String p = vm + "encoder.layers." + i + ".";
            for (String norm : List.of("layer_norm1", "layer_norm2")) {
                specs.add(new TensorSpec(p + norm + ".bias", new long[] {vh}, Init.ZEROS));
                specs.add(new TensorSpec(p + norm + ".weight", new long[] {vh}, Init.ONES));
            }
            specs.add(new TensorSpec(p + "mlp.fc1.bias", new long[] {vc.intermediateSize()}, Init.ZEROS));
            specs.add(new TensorSpec(p + "mlp.fc1.weight", new long[] {vc.intermediateSize(), vh}, Init.NORMAL));
            specs.add(new TensorSpec(p + "mlp.fc2.bias", new long[] {vh}, Init.ZEROS));
            specs.add(new TensorSpec(p + "mlp.fc2.weight", new long[] {vh, vc.intermediateSize()}, Init.NORMAL));
            for (String proj : List.of("k_proj", "out_proj", "q_proj", "v_proj")) {
                specs.add(new TensorSpec(p + "self_attn." + proj + ".bias", new long[] {vh}, Init.ZEROS));
                specs.add(new TensorSpec(p + "self_attn." + proj + ".weight", new long[] {vh, vh}, Init.NORMAL));
            }
        }
        // "pre_layrnorm" is spelled that way in the real checkpoint (inherited from CLIP).
        for (String norm : List.of("post_layernorm", "pre_layrnorm")) {
            specs.add(new TensorSpec(vm + norm + ".bias", new long[] {vh}, Init.ZEROS));
            specs.add(new TensorSpec(vm + norm + ".weight", new long[] {vh}, Init.ONES));
        }
        specs.add(new TensorSpec(v + "img_projection.0.bias", new long[] {h}, Init.ZEROS));
        specs.add(new TensorSpec(v + "img_projection.0.weight", new long[] {h, hdDim}, Init.NORMAL));
        specs.add(new TensorSpec(v + "img_projection.2.bias", new long[] {h}, Init.ZEROS));
        specs.add(new TensorSpec(v + "img_projection.2.weight", new long[] {h, h}, Init.NORMAL));
        return List.copyOf(specs);
    }

    /** True when {@code dir} holds a complete random checkpoint written by this class. */
    public static boolean isRandomCheckpoint(Path dir) {
        Path weights = dir.resolve("model.safetensors");
        if (!Files.isRegularFile(weights) || !Files.isRegularFile(dir.resolve("config.json"))) {
            return false;
        }
        for (String f : REAL_FILES) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                return false;
            }
        }
        try (SafetensorsFile st = SafetensorsFile.open(weights)) {
            return st.metadata().containsKey(MARKER_KEY);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Writes config.json, the real tokenizer/processor files and model.safetensors of {@code shape} into
     * {@code dir} (created if needed). Weights are N(0, 0.02)-like: uniform with that standard deviation
     * (cheap to draw and just as meaningless); norms are 1, biases 0. Same seed, same bytes.
     */
    public static void write(Path dir, ModelShape shape, long seed, Progress progress) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("config.json"),
                    new GsonBuilder().setPrettyPrinting().create().toJson(config(shape)), StandardCharsets.UTF_8);
            for (String f : REAL_FILES) {
                try (InputStream in = resource(f)) {
                    Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            ModelConfig config = ModelConfig.load(dir.resolve("config.json"));
            List<TensorSpec> specs = tensorSpecs(config);
            long total = 4 * specs.stream().mapToLong(TensorSpec::elements).sum();
            SafetensorsWriter writer = SafetensorsWriter.create()
                    .metadata("format", "pt")
                    .metadata(MARKER_KEY, shape.spec())
                    .metadata("seed", Long.toString(seed));
            long[] done = {0};
            for (int i = 0; i < specs.size(); i++) {
                TensorSpec spec = specs.get(i);
                writer.putFloat32Generated(spec.name(), spec.shape(), filler(spec, seed, i, () -> {
                    done[0] += 4 * spec.elements();
                    progress.written(spec.name(), done[0], total);
                }));
            }
            writer.write(dir.resolve("model.safetensors"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write random checkpoint to " + dir, e);
        }
    }

    private static SafetensorsWriter.FloatFiller filler(TensorSpec spec, long seed, int index, Runnable whenDone) {
        long elements = spec.elements();
        // Uniform on [-a, a] has standard deviation a / sqrt(3).
        float amplitude = (float) (WEIGHT_STD * Math.sqrt(3));
        // One generator per tensor, so a tensor's values do not depend on the tensors before it.
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + index);
        return (offset, out) -> {
            int n = out.remaining();
            for (int i = 0; i < n; i++) {
                out.put(switch (spec.init()) {
                    case ONES -> 1f;
                    case ZEROS -> 0f;
                    case NORMAL -> (random.nextFloat() * 2 - 1) * amplitude;
                });
            }
            if (offset + n == elements) {
                whenDone.run();
            }
        };
    }

    private static InputStream resource(String file) {
        InputStream in = RandomCheckpoint.class.getResourceAsStream(REAL_FILES_RESOURCE + file);
        if (in == null) {
            throw new IllegalStateException("resource " + REAL_FILES_RESOURCE + file + " is missing from the classpath");
        }
        return in;
    }

    private static String resourceText(String file) {
        try (InputStream in = resource(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
