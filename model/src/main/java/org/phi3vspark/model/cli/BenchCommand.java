package org.phi3vspark.model.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.phi3vspark.model.MemoryMeter;
import org.phi3vspark.model.ModelShape;
import org.phi3vspark.model.Phi3VModel;
import org.phi3vspark.model.RandomCheckpoint;
import org.phi3vspark.model.engine.EngineOptions;
import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.model.generate.GenerationRequest;
import org.phi3vspark.model.generate.GenerationResult;
import org.phi3vspark.model.image.ImageDecoder;
import org.phi3vspark.model.generate.RequestBuilder;
import org.phi3vspark.model.image.RgbImage;
import org.phi3vspark.model.text.Conversation;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Times one request end to end, repeated: image preprocessing, prefill (vision tower + prompt) and decode
 * per token, as medians over the timed runs after warm-up runs, and reports peak memory. Greedy with no stop
 * ids, so every run generates exactly --max-new-tokens tokens. {@code --random SHAPE} makes (once, then
 * reuses) a random-weight checkpoint of that shape, so the numbers can be rerun anywhere without files.
 *
 * <p>{@code --workload} times many requests instead ({@link Workload}): every image under every task, with mixed
 * output lengths, through the engine as a job's partition feeds it (or in static batches, for comparison):
 * images/s, prompt and generated tokens/s, latency per request, peak memory, prompt tokens reused from shared
 * prefixes.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time preprocessing, prefill and per-token decode of one request (medians over runs) and"
                + " report peak memory; or, with --workload, the throughput of many requests.")
public final class BenchCommand implements Callable<Integer> {
    /** Greedy, 24 new tokens, no stop ids: every run generates exactly --max-new-tokens tokens. */
    private static final GenerationConfig NO_STOP = new GenerationConfig(24, 0, 0, 1.0, 0, new int[0], null);

    @Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ModelOptions modelOptions;

    @Option(names = "--random", paramLabel = "SHAPE", description = "Instead of --model: a random-weight checkpoint"
            + " of this shape, written once under --random-dir. A preset (tiny, small, heads32, real) and/or"
            + " key=value items: hidden, heads, kv-heads, layers, intermediate, vision (clip-l or WIDTHxLAYERS),"
            + " vision-heads, vision-mlp. Example: real,layers=2")
    String random;

    @Option(names = "--random-dir", paramLabel = "DIR", description = "Where random checkpoints are kept."
            + " Default: ${DEFAULT-VALUE}.", defaultValue = "${java.io.tmpdir}/phi3v-random-checkpoints")
    Path randomDir;

    @Option(names = "--image", description = "Image file (repeatable). None = text only.")
    List<Path> images = new ArrayList<>();

    @Option(names = "--num-crops", defaultValue = "16", description = "Default: ${DEFAULT-VALUE}.")
    int numCrops;

    @Option(names = "--prompt", defaultValue = "Describe this image in detail.", description = "User message.")
    String prompt;

    @Option(names = "--prompt-tokens", paramLabel = "N", description = "Pad the user message with filler words until"
            + " the whole prompt is N tokens (long-context runs, e.g. 4088 to generate past 4096).")
    Integer promptTokens;

    @CommandLine.Mixin
    GenerationOptions generation;

    @Option(names = "--batch", defaultValue = "1", description = "Copies of the request run as one batch.")
    int batch;

    @Option(names = "--workload", description = "Time a workload instead of one request: every --image under every"
            + " --task (without --image: --requests text requests), max_new_tokens from --new-tokens in turn, all"
            + " arriving at once.")
    boolean workload;

    @Option(names = "--task", paramLabel = "PROMPT", description = "Workload: the user message of a task"
            + " (repeatable). Default: --prompt.")
    List<String> tasks = new ArrayList<>();

    @Option(names = "--requests", paramLabel = "N", defaultValue = "16", description = "Workload without --image:"
            + " how many text requests. Default: ${DEFAULT-VALUE}.")
    int textRequests;

    @Option(names = "--new-tokens", paramLabel = "N,N,...", description = "Workload: max_new_tokens of the requests"
            + " in turn, e.g. 8,64. Default: --max-new-tokens.")
    String newTokens;

    @Option(names = "--static-batch", paramLabel = "B", defaultValue = "0", description = "Workload: run it in fixed"
            + " batches of B requests, each to its end before the next starts (static batching), instead of one"
            + " stream into one engine.")
    int staticBatch;

    @CommandLine.Mixin
    EngineSettings engine;

    @Option(names = "--runs", defaultValue = "5", description = "Timed runs. Default: ${DEFAULT-VALUE}.")
    int runs;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed runs first. Default: ${DEFAULT-VALUE}.")
    int warmup;

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path modelDir = modelDir(out);
        MemoryMeter meter = MemoryMeter.start(modelOptions.device());
        try (Phi3VModel phi = modelOptions.load(modelDir)) {
            List<byte[]> bytes = new ArrayList<>();
            for (Path image : images) {
                bytes.add(Files.readAllBytes(image));
            }
            GenerationConfig config = generation.over(NO_STOP);
            if (workload) {
                return workload(out, phi, modelDir, bytes, config, meter);
            }
            Conversation conversation = promptTokens == null
                    ? Conversation.ofPrompt(prompt, images.size())
                    : padded(phi, prompt, images.size(), promptTokens);
            RequestBuilder requests = RequestBuilder.of(phi);
            ImageDecoder decoder = new ImageDecoder(Long.MAX_VALUE);
            int total = warmup + runs;
            double[] preprocess = new double[runs];
            double[] prefill = new double[runs];
            double[] perToken = new double[runs];
            double[] wall = new double[runs];
            int promptLength = 0;
            for (int run = 0; run < total; run++) {
                long t0 = System.nanoTime();
                List<RgbImage> decoded = new ArrayList<>();
                for (int i = 0; i < bytes.size(); i++) {
                    decoded.add(decoder.decode(bytes.get(i), images.get(i).toString()));
                }
                GenerationRequest request = requests.build(decoded, conversation, numCrops, config);
                long t1 = System.nanoTime();
                List<GenerationResult> results = phi.generate(Collections.nCopies(batch, request));
                long t2 = System.nanoTime();
                if (run >= warmup) {
                    int r = run - warmup;
                    GenerationResult first = results.get(0);
                    preprocess[r] = (t1 - t0) / 1e6;
                    prefill[r] = first.prefillMillis();
                    perToken[r] = first.millisPerToken();
                    wall[r] = (t2 - t0) / 1e6;
                    promptLength = first.promptTokens();
                }
            }
            MemoryMeter.Report memory = meter.stop();
            double tokensPerSecond = batch * config.maxNewTokens() / (median(wall) / 1000.0);
            out.printf(Locale.ROOT, "model %s on %s (%s), %d image(s), num_crops %d, prompt %d tokens, %d new tokens,"
                    + " batch %d%n", modelDir, phi.device(), phi.decoder().dtype(), images.size(), numCrops,
                    promptLength, config.maxNewTokens(), batch);
            out.printf(Locale.ROOT, "median of %d runs (after %d warm-up): preprocess %.1f ms, prefill %.1f ms"
                    + " (first request), decode %.2f ms/token, wall %.1f ms, %.1f generated tokens/s%n",
                    runs, warmup, median(preprocess), median(prefill), median(perToken), median(wall), tokensPerSecond);
            out.printf(Locale.ROOT, "memory: %s%n", memory);
            out.flush();
            return 0;
        }
    }

    private int workload(PrintWriter out, Phi3VModel phi, Path modelDir, List<byte[]> bytes, GenerationConfig base,
            MemoryMeter meter) {
        List<Integer> lengths = newTokens == null ? List.of(base.maxNewTokens()) : Workload.parseTokenList(newTokens);
        List<String> prompts = tasks.isEmpty() ? List.of(prompt) : tasks;
        ImageDecoder decoder = new ImageDecoder(Long.MAX_VALUE);
        List<RgbImage> decoded = new ArrayList<>();
        for (int i = 0; i < bytes.size(); i++) {
            decoded.add(decoder.decode(bytes.get(i), images.get(i).toString()));
        }
        // every task of an image next to the others, as the job's planner puts them
        int count = decoded.isEmpty() ? textRequests : decoded.size() * prompts.size();
        RequestBuilder builder = RequestBuilder.of(phi);
        List<GenerationRequest> requests = new ArrayList<>();
        long promptTokens = 0;
        for (int i = 0; i < count; i++) {
            GenerationConfig config = new GenerationConfig(Workload.newTokens(lengths, i), base.temperature(),
                    base.topK(), base.topP(), base.seed(), base.stopIds(), base.stopStrings());
            List<RgbImage> itemImages = decoded.isEmpty() ? List.of() : List.of(decoded.get(i / prompts.size()));
            GenerationRequest request = builder.build(itemImages, Conversation.ofPrompt(prompts.get(i % prompts.size()),
                    itemImages.size()), numCrops, config);
            promptTokens += request.prompt().length();
            requests.add(request);
        }
        EngineOptions options = engine.over(phi.engineDefaults());
        Workload work = new Workload(phi, requests, options, staticBatch);
        List<Workload.Run> timed = new ArrayList<>();
        for (int run = 0; run < warmup + runs; run++) {
            Workload.Run r = work.run();
            if (run >= warmup) {
                timed.add(r);
            }
        }
        MemoryMeter.Report memory = meter.stop();
        out.printf(Locale.ROOT, "model %s on %s (%s); workload: %s, %d requests (%d prompt tokens), max_new_tokens %s"
                + " in turn%n", modelDir, phi.device(), phi.decoder().dtype(), decoded.isEmpty() ? "text only"
                : decoded.size() + " image(s) x " + prompts.size() + " task(s), num_crops " + numCrops, count,
                promptTokens, lengths.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(",")));
        out.printf(Locale.ROOT, "engine: max running %d, KV budget %d MiB, prefill chunk %d, shared prefixes %s; %s%n",
                options.maxRunning(), options.kvBudgetBytes() >> 20, options.prefillChunk(),
                options.sharePrefixes() ? "on" : "off",
                staticBatch > 0 ? "static batches of " + staticBatch : "one stream");
        double wall = median(timed, Workload.Run::wallMillis);
        out.printf(Locale.ROOT, "median of %d runs (after %d warm-up): wall %.1f s, %s images/s, %.1f prompt tokens/s,"
                + " %.1f generated tokens/s, latency per request p50 %.0f ms p95 %.0f ms%n", runs, warmup, wall / 1000,
                decoded.isEmpty() ? "-" : String.format(Locale.ROOT, "%.3f",
                        median(timed, r -> r.perSecond(decoded.size()))),
                median(timed, r -> r.perSecond(r.promptTokens())), median(timed, r -> r.perSecond(r.generatedTokens())),
                median(timed, r -> r.latency(0.5)), median(timed, r -> r.latency(0.95)));
        long reused = timed.get(0).reusedPromptTokens();
        out.printf(Locale.ROOT, "prompt tokens reused from shared prefixes: %d of %d (%.1f%%); generated %d tokens%n",
                reused, promptTokens, 100.0 * reused / promptTokens, timed.get(0).generatedTokens());
        out.printf(Locale.ROOT, "memory: %s, peak KV cache %d MiB%n", memory,
                timed.stream().mapToLong(Workload.Run::peakKvBytes).max().orElse(0) >> 20);
        out.flush();
        return 0;
    }

    private static double median(List<Workload.Run> runs, java.util.function.ToDoubleFunction<Workload.Run> metric) {
        return median(runs.stream().mapToDouble(metric).toArray());
    }

    /** --model as given, or the random checkpoint of --random (written on first use). */
    private Path modelDir(PrintWriter out) {
        if ((random == null) == (modelOptions.model == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give exactly one of --model DIR and"
                    + " --random SHAPE");
        }
        if (random == null) {
            return modelOptions.model;
        }
        ModelShape shape = ModelShape.parse(random);
        Path dir = randomDir.resolve(shape.spec().replace(',', '_').replace('=', '-'));
        if (!RandomCheckpoint.isRandomCheckpoint(dir)) {
            out.printf(Locale.ROOT, "writing random checkpoint %s to %s%n", shape.spec(), dir);
            out.flush();
            RandomCheckpoint.write(dir, shape, 1, RandomCheckpoint.Progress.NONE);
        }
        return dir;
    }

    /**
     * The user message padded by repeated filler words so that the whole prompt is {@code target} tokens
     * (one word per token, so a couple of corrections land on the exact length). Text-only prompts: with
     * images the image tokens depend on the image sizes.
     */
    private static Conversation padded(Phi3VModel phi, String content, int images, int target) {
        if (images > 0) {
            throw new IllegalArgumentException("--prompt-tokens is for text-only prompts (no --image)");
        }
        int words = 0;
        for (int attempt = 0; attempt < 4; attempt++) {
            Conversation conversation = Conversation.ofPrompt(content + " the".repeat(words), 0);
            int missing = target - phi.promptBuilder().build(conversation.turns(), new int[0]).length();
            if (missing == 0) {
                return conversation;
            }
            words = Math.max(0, words + missing);
        }
        throw new IllegalArgumentException("cannot pad the prompt to exactly " + target + " tokens");
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
