package org.phi3vspark.model.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.phi3vspark.model.MemoryMeter;
import org.phi3vspark.model.Phi3VModel;
import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.model.generate.GenerationRequest;
import org.phi3vspark.model.generate.GenerationResult;
import org.phi3vspark.model.image.ImageDecoder;
import org.phi3vspark.model.image.ProcessedImage;
import org.phi3vspark.model.io.SafetensorsWriter;
import org.phi3vspark.model.text.ChatMessage;
import org.phi3vspark.model.text.Prompt;
import org.phi3vspark.model.text.PromptBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** One request through the model, from the command line: {@code phi3v generate --model DIR --prompt ...}. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Run one prompt (with optional images) through Phi-3.5-vision and print the answer.")
public final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ModelOptions modelOptions;

    @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--prompt", description = "User message. Without <|image_N|> tags, one tag per --image is "
                + "put in front of it, each on its own line (the model card's layout).")
        String prompt;

        @Option(names = "--messages", description = "JSON file: an array of {\"role\", \"content\"} objects "
                + "(roles system, user, assistant), as in the chat template.")
        Path messages;
    }

    @Option(names = "--image", description = "Image file, in the order of the <|image_N|> tags. Repeatable.")
    List<Path> images = new ArrayList<>();

    @Option(names = "--num-crops", description = "HD crops per image (default: the model's preprocessor_config.json).")
    Integer numCrops;

    @Option(names = "--max-new-tokens", defaultValue = "256", description = "Default: ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default).")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Sampling: keep the k most likely tokens (0 = off).")
    int topK;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Sampling: nucleus mass (1 = off).")
    double topP;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed: the same seed gives the same text.")
    long seed;

    @Option(names = "--stop", description = "Extra stop string (repeatable); the text is cut before it.")
    List<String> stopStrings = new ArrayList<>();

    @Option(names = "--max-pixels", defaultValue = "100000000", description = "Refuse larger images (decompression bombs).")
    long maxPixels;

    @Option(names = "--json", description = "Print one JSON object instead of the text.")
    boolean json;

    @Option(names = "--dump-logits", description = "Write the float32 logits of the last prompt position as a "
            + "safetensors file with one tensor 'logits' [vocab].")
    Path dumpLogits;

    public static void main(String[] args) {
        System.exit(new CommandLine(new GenerateCommand()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        long started = System.nanoTime();
        MemoryMeter meter = MemoryMeter.start(modelOptions.device());
        try (Phi3VModel phi = modelOptions.load()) {
            double loadMillis = (System.nanoTime() - started) / 1e6;
            int crops = numCrops != null ? numCrops : phi.defaultNumCrops();
            ImageDecoder decoder = new ImageDecoder(maxPixels);
            List<ProcessedImage> processed = new ArrayList<>();
            for (Path image : images) {
                processed.add(phi.imageProcessor().process(decoder.decode(Files.readAllBytes(image), image.toString()), crops));
            }
            int[] tokens = processed.stream().mapToInt(ProcessedImage::numImgTokens).toArray();
            Prompt prompt = phi.promptBuilder().build(messages(), tokens);
            GenerationConfig config = new GenerationConfig(maxNewTokens, temperature, topK, topP, seed, null, stopStrings);
            GenerationRequest request = new GenerationRequest(prompt, processed, config);
            if (dumpLogits != null) {
                float[] logits = phi.generator().promptLogits(phi.manager(), request,
                        new int[] {prompt.length() - 1})[0];
                SafetensorsWriter.create().putFloat32("logits", new long[] {logits.length}, logits).write(dumpLogits);
            }
            GenerationResult result = phi.generate(request);
            MemoryMeter.Report memory = meter.stop();
            if (json) {
                out.println(toJson(phi, prompt, result, loadMillis, memory));
            } else {
                out.println(result.text());
            }
            out.flush();
            return 0;
        }
    }

    private List<ChatMessage> messages() throws IOException {
        if (input.messages != null) {
            return readMessages(input.messages);
        }
        String content = PromptBuilder.withImageTags(input.prompt, images.size());
        return List.of(new ChatMessage("user", content));
    }

    static List<ChatMessage> readMessages(Path file) throws IOException {
        try {
            JsonArray array = JsonParser.parseString(Files.readString(file)).getAsJsonArray();
            List<ChatMessage> messages = new ArrayList<>();
            for (var element : array) {
                JsonObject o = element.getAsJsonObject();
                if (!o.has("role") || !o.has("content")) {
                    throw new IllegalArgumentException(file + ": every message needs \"role\" and \"content\"");
                }
                messages.add(new ChatMessage(o.get("role").getAsString(), o.get("content").getAsString()));
            }
            return messages;
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException(file + " is not a JSON array of {\"role\", \"content\"} objects: "
                    + e.getMessage(), e);
        }
    }

    private static String toJson(Phi3VModel phi, Prompt prompt, GenerationResult result, double loadMillis,
            MemoryMeter.Report memory) {
        JsonObject o = new JsonObject();
        o.addProperty("prompt", prompt.text());
        o.add("input_ids", array(prompt.inputIds()));
        o.add("generated_ids", array(result.generatedIds()));
        o.addProperty("text", result.text());
        o.addProperty("finish_reason", result.finishReason().label());
        JsonArray imageTokens = new JsonArray();
        for (int n : prompt.numImgTokens()) {
            imageTokens.add(n);
        }
        o.add("num_img_tokens", imageTokens);
        o.addProperty("prompt_tokens", result.promptTokens());
        o.addProperty("image_tokens", result.imageTokens());
        o.addProperty("output_tokens", result.outputTokens());
        JsonObject timings = new JsonObject();
        timings.addProperty("load", loadMillis);
        timings.addProperty("prefill", result.prefillMillis());
        timings.addProperty("decode", result.decodeMillis());
        timings.addProperty("per_token", result.millisPerToken());
        o.add("timings_ms", timings);
        JsonObject mib = new JsonObject();
        mib.addProperty("peak_rss", MemoryMeter.Report.mib(memory.peakRssBytes()));
        mib.addProperty("peak_outside_heap", MemoryMeter.Report.mib(memory.peakOutsideHeapBytes()));
        mib.addProperty("peak_gpu", MemoryMeter.Report.mib(memory.peakGpuBytes()));
        o.add("memory_mib", mib);
        o.addProperty("model_revision", phi.revision());
        o.addProperty("device", phi.device().toString());
        Gson gson = new GsonBuilder().disableHtmlEscaping().create();
        return gson.toJson(o);
    }

    private static JsonArray array(long[] values) {
        JsonArray a = new JsonArray();
        for (long v : values) {
            a.add(v);
        }
        return a;
    }
}
