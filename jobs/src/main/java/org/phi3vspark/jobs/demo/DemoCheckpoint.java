package org.phi3vspark.jobs.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.phi3vspark.model.config.ModelConfig;
import org.phi3vspark.model.config.VisionConfig;
import org.phi3vspark.model.io.SafetensorsFile;
import org.phi3vspark.model.io.SafetensorsWriter;

/**
 * Writes a tiny Phi-3.5-vision checkpoint with RANDOM weights in the Hugging Face layout: the real
 * model's structure (every tensor name the real checkpoint has, shapes derived from a tiny
 * config.json), the real tokenizer and processor files, random values. The real weights are 8 GB and
 * cannot ship with the project; this lets the demo exercise every stage. Its text output is meaningless.
 */
public final class DemoCheckpoint {
    /** Tiny config.json (real structure, tiny sizes), on the classpath. */
    public static final String CONFIG_RESOURCE = "/demo/checkpoint/config.json";
    /** Folder on the classpath holding copies of the real tokenizer and processor files. */
    public static final String FILES_RESOURCE_DIR = "/demo/phi3v-files/";
    /** The real files copied next to the weights. */
    public static final List<String> REAL_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "generation_config.json", "preprocessor_config.json");
    /** Safetensors metadata key marking a demo checkpoint; its value is {@link #MARKER_VALUE}. */
    public static final String MARKER_KEY = "phi3v_demo";
    public static final String MARKER_VALUE = "random-weights";
    public static final long DEFAULT_SEED = 20240315L;

    private static final String STAGE = "demo checkpoint";

    /** How a tensor is filled, following the usual Hugging Face initialisation. */
    public enum Init { NORMAL, ONES, ZEROS }

    /** One tensor to generate. */
    public record TensorSpec(String name, long[] shape, Init init) {
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private DemoCheckpoint() {
    }

    /**
     * Every tensor of a Phi-3.5-vision checkpoint with the sizes of {@code config}: decoder (fused
     * qkv and gate_up projections), CLIP vision tower (all configured layers, as the real checkpoint
     * stores them), HD separators and the image projection MLP.
     */
    public static List<TensorSpec> tensorSpecs(ModelConfig config) {
        List<TensorSpec> specs = new ArrayList<>();
        long h = config.hiddenSize();
        long vocab = config.vocabSize();
        long headDim = config.headDim();
        long qkv = (config.numAttentionHeads() + 2L * config.numKeyValueHeads()) * headDim;
        specs.add(new TensorSpec("lm_head.weight", new long[] {vocab, h}, Init.NORMAL));
        specs.add(new TensorSpec("model.embed_tokens.weight", new long[] {vocab, h}, Init.NORMAL));
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            specs.add(new TensorSpec(p + "input_layernorm.weight", new long[] {h}, Init.ONES));
            specs.add(new TensorSpec(p + "mlp.down_proj.weight", new long[] {h, config.intermediateSize()}, Init.NORMAL));
            specs.add(new TensorSpec(p + "mlp.gate_up_proj.weight", new long[] {2L * config.intermediateSize(), h},
                    Init.NORMAL));
            specs.add(new TensorSpec(p + "post_attention_layernorm.weight", new long[] {h}, Init.ONES));
            specs.add(new TensorSpec(p + "self_attn.o_proj.weight", new long[] {h, h}, Init.NORMAL));
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

    /** True when {@code dir} holds a complete demo checkpoint written by this class. */
    public static boolean isDemoCheckpoint(Path dir) {
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
            return MARKER_VALUE.equals(st.metadata().get(MARKER_KEY));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Writes the demo checkpoint into {@code dir}, unless a complete one is already there. The files
     * are written into a sibling temporary folder and renamed into place, so an interrupted run never
     * leaves a half-written checkpoint behind.
     */
    public static Path ensure(Path dir, long seed, ProgressListener progress) {
        if (isDemoCheckpoint(dir)) {
            progress.update(STAGE, 0, 0, "reusing " + dir);
            return dir;
        }
        if (Files.exists(dir) && !isEmptyDir(dir)) {
            throw new IllegalArgumentException("demo checkpoint folder " + dir
                    + " exists but does not hold a demo checkpoint; remove it or choose another folder");
        }
        Path parent = dir.toAbsolutePath().getParent();
        Path tmp;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, dir.getFileName() + ".tmp-");
            try {
                write(tmp, seed, progress);
            } catch (IOException | RuntimeException e) {
                deleteTree(tmp);
                throw e;
            }
            Files.deleteIfExists(dir);
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write demo checkpoint to " + dir, e);
        }
        return dir;
    }

    /** Writes config, real tokenizer/processor files and random weights into {@code dir} (must exist). */
    public static void write(Path dir, long seed, ProgressListener progress) throws IOException {
        copyResource(CONFIG_RESOURCE, dir.resolve("config.json"));
        for (String f : REAL_FILES) {
            copyResource(FILES_RESOURCE_DIR + f, dir.resolve(f));
        }
        ModelConfig config = ModelConfig.load(dir.resolve("config.json"));
        List<TensorSpec> specs = tensorSpecs(config);
        long total = specs.stream().mapToLong(TensorSpec::elements).sum();
        long done = 0;
        SafetensorsWriter writer = SafetensorsWriter.create()
                .metadata("format", "pt")
                .metadata(MARKER_KEY, MARKER_VALUE)
                .metadata("seed", Long.toString(seed));
        for (int i = 0; i < specs.size(); i++) {
            TensorSpec spec = specs.get(i);
            writer.putFloat32(spec.name(), spec.shape(), values(spec, seed, i));
            done += spec.elements();
            progress.update(STAGE, done, total, "tensor " + (i + 1) + "/" + specs.size() + " " + spec.name());
        }
        progress.update(STAGE, total, total, "writing " + dir.resolve("model.safetensors"));
        writer.write(dir.resolve("model.safetensors"));
    }

    private static float[] values(TensorSpec spec, long seed, int index) {
        long n = spec.elements();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("demo tensor " + spec.name() + " has " + n + " elements; too large");
        }
        float[] data = new float[(int) n];
        switch (spec.init()) {
            case ONES -> java.util.Arrays.fill(data, 1f);
            case ZEROS -> { }
            case NORMAL -> {
                // One generator per tensor: the values of a tensor do not depend on the ones before it.
                SplittableRandom random = new SplittableRandom(seed * 1_000_003L + index);
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) (random.nextGaussian() * 0.02);
                }
            }
            default -> throw new IllegalStateException("unknown init " + spec.init());
        }
        return data;
    }

    private static void copyResource(String resource, Path target) throws IOException {
        try (InputStream in = DemoCheckpoint.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("resource " + resource + " is missing from the classpath");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static boolean isEmptyDir(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /** Deletes a folder tree (used to clean up a failed attempt). */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
