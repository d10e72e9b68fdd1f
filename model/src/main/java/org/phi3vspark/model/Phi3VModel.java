package org.phi3vspark.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.util.cuda.CudaUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.phi3vspark.model.config.ModelConfig;
import org.phi3vspark.model.config.PreprocessorConfig;
import org.phi3vspark.model.engine.Completion;
import org.phi3vspark.model.engine.EngineOptions;
import org.phi3vspark.model.engine.GenerationEngine;
import org.phi3vspark.model.engine.ImageFeatureCache;
import org.phi3vspark.model.engine.PromptEmbedder;
import org.phi3vspark.model.generate.GenerationRequest;
import org.phi3vspark.model.generate.GenerationResult;
import org.phi3vspark.model.image.ImageProcessor;
import org.phi3vspark.model.io.Checkpoint;
import org.phi3vspark.model.nn.ImageEmbedding;
import org.phi3vspark.model.nn.KvCache;
import org.phi3vspark.model.nn.Phi3Decoder;
import org.phi3vspark.model.nn.WeightLoader;
import org.phi3vspark.model.nn.WeightNames;
import org.phi3vspark.model.text.Phi3Tokenizer;
import org.phi3vspark.model.text.PromptBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Phi-3.5-vision-instruct loaded from a Hugging Face snapshot directory: the entry point of the model
 * module. Weights live in one NDManager for the model's lifetime, in float32 on CPU and float16 on a GPU
 * (bfloat16 checkpoints are converted while loading). Requests run in a {@link GenerationEngine} ({@link
 * #newEngine}); {@link #generate(List)} runs one to completion. Thread-safe: each engine and each generate call
 * works in its own sub-manager.
 */
public final class Phi3VModel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Phi3VModel.class);

    private final Path directory;
    private final ModelConfig config;
    private final String revision;
    private final NDManager manager;
    private final Phi3Tokenizer tokenizer;
    private final PromptBuilder promptBuilder;
    private final ImageProcessor imageProcessor;
    private final PreprocessorConfig preprocessor;
    private final Phi3Decoder decoder;
    private final ImageEmbedding imageEmbedding;
    private final PromptEmbedder embedder;
    private final EngineOptions engineDefaults;

    private Phi3VModel(Path directory, ModelConfig config, String revision, NDManager manager, Phi3Tokenizer tokenizer,
            PreprocessorConfig preprocessor, Phi3Decoder decoder, ImageEmbedding imageEmbedding,
            EngineOptions engineDefaults) {
        this.directory = directory;
        this.config = config;
        this.revision = revision;
        this.manager = manager;
        this.tokenizer = tokenizer;
        this.promptBuilder = new PromptBuilder(tokenizer);
        this.preprocessor = preprocessor;
        this.imageProcessor = new ImageProcessor(preprocessor);
        this.decoder = decoder;
        this.imageEmbedding = imageEmbedding;
        this.embedder = new PromptEmbedder(decoder);
        this.engineDefaults = engineDefaults;
    }

    /**
     * How the weights are held and how much working memory attention may take.
     *
     * @param dtype FLOAT32 or FLOAT16 for weights and activations (bfloat16 checkpoints are converted; DJL's
     *     PyTorch JNI cannot hold bfloat16)
     * @param attentionBlockBytes the most one block of attention may take (its float32 scores and their softmax),
     *     in the decoder and the vision tower: prompts and crop counts beyond it are processed in blocks of query
     *     rows or crops
     */
    public record Options(DataType dtype, long attentionBlockBytes) {
        /**
         * 32 MiB on CPU (16 MiB of float32 scores and 16 of their softmax): measured fastest on a 2-core machine;
         * four times that made a 1,939-token prefill 1.4-3× slower, since a block then no longer fits the caches.
         */
        public static final long CPU_ATTENTION_BLOCK_BYTES = 32L << 20;
        /** 512 MiB on a GPU: fewer, larger kernels; still small next to the weights and the KV cache. */
        public static final long GPU_ATTENTION_BLOCK_BYTES = 512L << 20;

        public Options {
            if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
                throw new IllegalArgumentException("dtype must be FLOAT32 or FLOAT16, got " + dtype);
            }
            if (attentionBlockBytes < 1 << 20) {
                throw new IllegalArgumentException("the attention block must be at least 1 MiB, got "
                        + attentionBlockBytes + " bytes");
            }
        }

        /** float32 on CPU, float16 on a GPU; the device's default attention block. */
        public static Options defaults(Device device) {
            return device.isGpu()
                    ? new Options(DataType.FLOAT16, GPU_ATTENTION_BLOCK_BYTES)
                    : new Options(DataType.FLOAT32, CPU_ATTENTION_BLOCK_BYTES);
        }

        public Options withDtype(DataType newDtype) {
            return new Options(newDtype, attentionBlockBytes);
        }

        public Options withAttentionBlockBytes(long bytes) {
            return new Options(dtype, bytes);
        }
    }

    /** Loads the model on {@code device}: float32 on CPU, float16 on a GPU. */
    public static Phi3VModel load(Path modelDir, Device device) {
        return load(modelDir, device, Options.defaults(device));
    }

    /** Loads the model on {@code device} with weights and activations in {@code dtype} (FLOAT32 or FLOAT16). */
    public static Phi3VModel load(Path modelDir, Device device, DataType dtype) {
        return load(modelDir, device, Options.defaults(device).withDtype(dtype));
    }

    public static Phi3VModel load(Path modelDir, Device device, Options options) {
        DataType dtype = options.dtype();
        if (!Files.isDirectory(modelDir)) {
            throw new IllegalArgumentException("model directory " + modelDir + " does not exist");
        }
        long started = System.nanoTime();
        ModelConfig config = ModelConfig.load(modelDir.resolve("config.json"));
        Path preprocessorJson = modelDir.resolve("preprocessor_config.json");
        PreprocessorConfig preprocessor = Files.exists(preprocessorJson)
                ? PreprocessorConfig.load(preprocessorJson)
                : PreprocessorConfig.defaults();
        Phi3Tokenizer tokenizer = Phi3Tokenizer.load(modelDir);
        NDManager manager = NDManager.newBaseManager(device, "PyTorch");
        try (Checkpoint checkpoint = Checkpoint.open(modelDir)) {
            WeightLoader weights = new CheckpointLoader(checkpoint, manager, dtype, modelDir);
            Phi3Decoder decoder = Phi3Decoder.load(config, weights, options.attentionBlockBytes());
            ImageEmbedding imageEmbedding = ImageEmbedding.load(config, weights, options.attentionBlockBytes());
            checkpoint.checkAllUsed(name -> WeightNames.isKnownUnused(name, config.vision().numHiddenLayers()));
            String revision = checkpoint.revision();
            LOG.info("loaded {} on {} as {} in {} ms (revision {})", modelDir, device, dtype,
                    (System.nanoTime() - started) / 1_000_000, revision.substring(0, 12));
            return new Phi3VModel(modelDir, config, revision, manager, tokenizer, preprocessor,
                    decoder, imageEmbedding, engineDefaults(device));
        } catch (RuntimeException e) {
            manager.close();
            tokenizer.close();
            throw e;
        }
    }

    /** Parses "cpu", "gpu", "gpu:N" or "cuda:N". */
    public static Device parseDevice(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("cpu")) {
            return Device.cpu();
        }
        if (s.equals("gpu") || s.equals("cuda")) {
            return Device.gpu();
        }
        if (s.startsWith("gpu:") || s.startsWith("cuda:")) {
            try {
                return Device.gpu(Integer.parseInt(s.substring(s.indexOf(':') + 1)));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("device must be cpu, gpu or gpu:N, got '" + spec + "'");
    }

    /** Number of GPUs the PyTorch engine sees (0 on a CPU-only build). */
    public static int gpuCount() {
        return Engine.getEngine("PyTorch").getGpuCount();
    }

    /** The device's engine defaults: on a GPU sized by the memory left free once the weights are loaded. */
    private static EngineOptions engineDefaults(Device device) {
        if (!device.isGpu() || !CudaUtils.hasCuda()) {
            return EngineOptions.cpuDefaults();
        }
        java.lang.management.MemoryUsage gpu = CudaUtils.getGpuMemory(device);
        return EngineOptions.gpuDefaults(gpu.getMax() - gpu.getCommitted());
    }

    /** Engine settings for this device when none are given (see {@link EngineOptions#cpuDefaults}). */
    public EngineOptions engineDefaults() {
        return engineDefaults;
    }

    /** A new engine on this model, for a stream of requests; close it to free its caches. */
    public <T> GenerationEngine<T> newEngine(EngineOptions options) {
        return new GenerationEngine<>(decoder, imageEmbedding, tokenizer, manager, options);
    }

    /**
     * Runs the requests to completion in an engine of the default settings; results in request order. The first
     * failure is thrown (the others' work is dropped).
     */
    public List<GenerationResult> generate(List<GenerationRequest> batch) {
        return generate(batch, engineDefaults);
    }

    public List<GenerationResult> generate(List<GenerationRequest> batch, EngineOptions options) {
        GenerationResult[] results = new GenerationResult[batch.size()];
        try (GenerationEngine<Integer> engine = newEngine(options)) {
            for (int i = 0; i < batch.size(); i++) {
                engine.submit(batch.get(i), i);
            }
            while (!engine.idle()) {
                for (Completion<Integer> c : engine.step()) {
                    if (!c.ok()) {
                        throw rethrown(c.failure());
                    }
                    results[c.tag()] = c.result();
                }
            }
        }
        return List.of(results);
    }

    private static RuntimeException rethrown(Throwable failure) {
        if (failure instanceof Error e) {
            throw e;
        }
        return (RuntimeException) failure;
    }

    public GenerationResult generate(GenerationRequest request) {
        return generate(List.of(request)).get(0);
    }

    public ModelConfig config() {
        return config;
    }

    /** sha256 of config.json and the weight index: identifies the weights in result tables. */
    public String revision() {
        return revision;
    }

    public Path directory() {
        return directory;
    }

    public Device device() {
        return manager.getDevice();
    }

    public ImageProcessor imageProcessor() {
        return imageProcessor;
    }

    /** num_crops of the model's preprocessor_config.json (4 for Phi-3.5-vision). */
    public int defaultNumCrops() {
        return preprocessor.numCrops();
    }

    public PromptBuilder promptBuilder() {
        return promptBuilder;
    }

    public Phi3Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The decoder and image path, for tests and tools that inspect intermediate values. */
    public Phi3Decoder decoder() {
        return decoder;
    }

    public ImageEmbedding imageEmbedding() {
        return imageEmbedding;
    }

    /**
     * Decoder input rows of the whole prompt, [L, H] (token embeddings with the image features spliced in), owned
     * by {@code owner}: to compare against reference embeddings.
     */
    public NDArray inputEmbeddings(NDManager owner, GenerationRequest request) {
        try (ImageFeatureCache features = new ImageFeatureCache(imageEmbedding, owner, request.images().size())) {
            return embedder.embed(owner, request, features);
        }
    }

    /**
     * Logits of the prompt at the given positions, [positions.length][vocab] float32, from one whole prefill of
     * the prompt alone: for --dump-logits and for comparing against reference logits.
     */
    public float[][] promptLogits(GenerationRequest request, int[] positions) {
        int length = request.prompt().length();
        try (NDManager scratch = manager.newSubManager();
                KvCache cache = new KvCache(scratch, decoder.kvLayout(), 1, length, KvCache.Ledger.NONE);
                NDScope scope = new NDScope()) {
            NDArray embeddings = inputEmbeddings(scratch, request);
            boolean longFactors = decoder.rope().usesLongFactors(length);
            NDArray hidden = decoder.forward(embeddings.expandDims(0), cache, 0, new int[] {0},
                    new boolean[] {longFactors}).get(0); // [L, H]
            float[][] rows = new float[positions.length][];
            for (int i = 0; i < positions.length; i++) {
                rows[i] = decoder.logits(hidden.get(positions[i])).toFloatArray();
            }
            scope.suppressNotUsedWarning();
            return rows;
        }
    }

    /** The manager that owns the weights; generation works in sub-managers of it. */
    public NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
        tokenizer.close();
    }
}
