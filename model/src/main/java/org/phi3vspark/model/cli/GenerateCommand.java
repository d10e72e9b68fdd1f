package org.phi3vspark.model.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
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
import org.phi3vspark.model.generate.RequestBuilder;
import org.phi3vspark.model.image.ImageDecoder;
import org.phi3vspark.model.image.RgbImage;
import org.phi3vspark.model.io.SafetensorsWriter;
import org.phi3vspark.model.text.Conversation;
import org.phi3vspark.model.text.Prompt;
import org.phi3vspark.model.text.PromptException;
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
                + "(roles system, user, assistant; the last one the user turn to answer), as in the job's "
                + "messages manifest column.")
        Path messages;
    }

    @Option(names = "--image", description = "Image file, in the order of the <|image_N|> tags. Repeatable.")
    List<Path> images = new ArrayList<>();

    @Option(names = "--num-crops", description = "HD crops per image (default: the model's preprocessor_config.json).")
    Integer numCrops;

    @CommandLine.Mixin
    GenerationOptions generation;

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
            List<RgbImage> decoded = new ArrayList<>();
            for (Path image : images) {
                decoded.add(decoder.decode(Files.readAllBytes(image), image.toString()));
            }
            GenerationConfig config = generation.config().withStopStrings(stopStrings);
            GenerationRequest request = RequestBuilder.of(phi).build(decoded, conversation(), crops, config);
            Prompt prompt = request.prompt();
            if (dumpLogits != null) {
                float[] logits = phi.promptLogits(request,
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

    private Conversation conversation() throws IOException {
        if (input.messages == null) {
            return Conversation.ofPrompt(input.prompt, images.size());
        }
        try {
            return Conversation.fromJson(Files.readString(input.messages));
        } catch (PromptException e) {
            throw new IllegalArgumentException(input.messages + ": " + e.getMessage(), e);
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
