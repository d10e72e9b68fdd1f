package org.phi3vspark.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.model.generate.GenerationRequest;
import org.phi3vspark.model.image.ImageDecoder;
import org.phi3vspark.model.image.ProcessedImage;
import org.phi3vspark.model.image.RgbImage;
import org.phi3vspark.model.text.ChatMessage;
import org.phi3vspark.model.text.Prompt;

/** One reference case: its inputs turned into a request the way a user of the model would build it. */
record GoldenCase(String id, Path dir, JsonObject json, Phi3VModel model, Prompt prompt, List<ProcessedImage> images) {

    static GoldenCase load(Path dir) {
        return load(dir, Phi3VModel.Options.defaults(ai.djl.Device.cpu()));
    }

    /** The case on its checkpoint loaded with {@code options}. */
    static GoldenCase load(Path dir, Phi3VModel.Options options) {
        JsonObject json = GoldenSet.json(dir.resolve("case.json"));
        Phi3VModel model = GoldenSet.model(json.get("checkpoint").getAsString(), options);
        List<ProcessedImage> images = new ArrayList<>();
        List<String> names = GoldenSet.strings(json.getAsJsonArray("images"));
        for (int i = 0; i < names.size(); i++) {
            RgbImage rgb = decodeAsReference(json, names.get(i), i);
            images.add(model.imageProcessor().process(rgb, json.get("num_crops").getAsInt()));
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonElement m : json.getAsJsonArray("messages")) {
            JsonObject o = m.getAsJsonObject();
            messages.add(new ChatMessage(o.get("role").getAsString(), o.get("content").getAsString()));
        }
        int[] tokens = images.stream().mapToInt(ProcessedImage::numImgTokens).toArray();
        Prompt prompt = model.promptBuilder().build(messages, tokens);
        return new GoldenCase(json.get("id").getAsString(), dir, json, model, prompt, images);
    }

    /**
     * JPEG inputs are fed as the reference's decoded RGB (libjpeg-turbo and ImageIO differ by a level or
     * two; the decoder is tested on its own), every other format through our decoder.
     */
    private static RgbImage decodeAsReference(JsonObject json, String name, int index) {
        Path golden = GoldenSet.root();
        Path source = golden.resolve("images").resolve(name);
        String lower = name.toLowerCase();
        if ((lower.endsWith(".jpg") || lower.endsWith(".jpeg")) && json.has("pixel_fixtures")) {
            JsonObject fixture = GoldenSet.json(golden.resolve(
                    json.getAsJsonArray("pixel_fixtures").get(index).getAsString()));
            JsonElement rgbPng = fixture.get("decoded_rgb_png");
            if (rgbPng != null && !rgbPng.isJsonNull()) {
                source = golden.resolve("preprocess").resolve(rgbPng.getAsString());
            }
        }
        try {
            return new ImageDecoder(100_000_000L).decode(Files.readAllBytes(source), source.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JsonObject generation() {
        return json.getAsJsonObject("generation");
    }

    boolean greedy() {
        return "greedy".equals(generation().get("mode").getAsString());
    }

    GenerationConfig generationConfig() {
        JsonObject g = generation();
        int[] stop = GoldenSet.ints(g.getAsJsonArray("eos_token_ids"));
        int max = g.get("max_new_tokens").getAsInt();
        if (greedy()) {
            return new GenerationConfig(max, 0, 0, 1.0, 0, stop, null);
        }
        JsonObject s = g.getAsJsonObject("sample");
        return new GenerationConfig(max, s.get("temperature").getAsDouble(), s.get("top_k").getAsInt(), 1.0,
                s.get("seed").getAsLong(), stop, null);
    }

    GenerationRequest request() {
        return new GenerationRequest(prompt, images, generationConfig());
    }

    @Override
    public String toString() {
        return id;
    }
}
