package org.phi3vspark.model.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.model.GoldenSet;
import org.phi3vspark.model.io.SafetensorsFile;
import picocli.CommandLine;

/** The single-request CLI reproduces a golden case from its messages file and dumps the reference logits. */
class GenerateCommandTest {

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new GenerateCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        assertEquals(0, code, () -> "exit code; stderr: " + err);
        return out.toString();
    }

    @Test
    void jsonOutputAndLogitsDumpMatchAGreedyImageCase(@TempDir Path tmp) throws Exception {
        Path caseDir = GoldenSet.caseDirs().stream()
                .filter(d -> {
                    JsonObject c = GoldenSet.json(d.resolve("case.json"));
                    return c.getAsJsonArray("images").size() == 1 && c.get("images").toString().contains(".png")
                            && "greedy".equals(c.getAsJsonObject("generation").get("mode").getAsString());
                })
                .findFirst().orElseThrow();
        JsonObject c = GoldenSet.json(caseDir.resolve("case.json"));
        Path messages = tmp.resolve("messages.json");
        Files.writeString(messages, c.getAsJsonArray("messages").toString());
        Path logits = tmp.resolve("logits.safetensors");
        JsonObject g = c.getAsJsonObject("generation");
        List<String> args = new ArrayList<>(List.of(
                "--model", GoldenSet.checkpoint(c.get("checkpoint").getAsString()).toString(),
                "--messages", messages.toString(),
                "--image", GoldenSet.root().resolve("images").resolve(c.getAsJsonArray("images").get(0).getAsString()).toString(),
                "--num-crops", c.get("num_crops").getAsString(),
                "--max-new-tokens", g.get("max_new_tokens").getAsString(),
                "--json", "--dump-logits", logits.toString()));
        JsonObject out = JsonParser.parseString(run(args.toArray(String[]::new))).getAsJsonObject();

        assertEquals(c.get("prompt").getAsString(), out.get("prompt").getAsString());
        assertArrayEquals(GoldenSet.longs(c.getAsJsonArray("input_ids")), GoldenSet.longs(out.getAsJsonArray("input_ids")));
        // the CLI stops on <|end|>, <|endoftext|> and </s>, as these cases do
        assertArrayEquals(GoldenSet.longs(g.getAsJsonArray("new_ids")), GoldenSet.longs(out.getAsJsonArray("generated_ids")));
        assertEquals(g.get("text").getAsString(), out.get("text").getAsString());
        assertEquals(g.get("stopped_by_eos").getAsBoolean() ? "stop" : "length", out.get("finish_reason").getAsString());
        assertEquals(c.getAsJsonArray("num_img_tokens"), out.getAsJsonArray("num_img_tokens"));
        JsonObject timings = out.getAsJsonObject("timings_ms");
        assertTrue(timings.get("prefill").getAsDouble() > 0 && timings.get("decode").getAsDouble() >= 0);

        try (SafetensorsFile dumped = SafetensorsFile.open(logits);
                SafetensorsFile reference = SafetensorsFile.open(caseDir.resolve("tensors.safetensors"))) {
            assertArrayEquals(new long[] {32064}, dumped.info("logits").shape());
            FloatBuffer a = dumped.readFloat32("logits");
            FloatBuffer b = reference.readFloat32("logits_last");
            double worst = 0;
            while (b.hasRemaining()) {
                worst = Math.max(worst, Math.abs(a.get() - b.get()));
            }
            assertTrue(worst <= 1e-4, "dumped logits differ from logits_last by " + worst);
        }
    }

    @Test
    void promptWithoutTagsGetsOneTagPerImageAndSamplingIsSeeded() {
        Path ckpt = GoldenSet.fixtureCheckpoint("tiny-f32");
        Path image = GoldenSet.fixtureImage("tiny_40x25.png");
        String[] args = {"--model", ckpt.toString(), "--prompt", "What is it?", "--image", image.toString(),
            "--num-crops", "1", "--max-new-tokens", "6", "--temperature", "0.9", "--top-k", "20", "--top-p", "0.95",
            "--seed", "11", "--json"};
        JsonObject first = JsonParser.parseString(run(args)).getAsJsonObject();
        JsonObject second = JsonParser.parseString(run(args)).getAsJsonObject();
        assertEquals("<|user|>\n<|image_1|>\nWhat is it?<|end|>\n<|assistant|>\n", first.get("prompt").getAsString());
        assertEquals(first.get("generated_ids"), second.get("generated_ids"));
        args[args.length - 2] = "12";
        JsonArray other = JsonParser.parseString(run(args)).getAsJsonObject().getAsJsonArray("generated_ids");
        assertNotEquals(first.get("generated_ids"), other, "another seed gives another draw (6 tokens, tiny model)");
    }

    @Test
    void badInputsFailWithMessagesThatNameThem(@TempDir Path tmp) throws Exception {
        Path ckpt = GoldenSet.fixtureCheckpoint("tiny-f32");
        Path bogus = tmp.resolve("not-an-image.png");
        Files.writeString(bogus, "hello");
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new GenerateCommand());
        cli.setErr(new PrintWriter(err));
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println(e.getMessage());
            return 1;
        });
        assertEquals(1, cli.execute("--model", ckpt.toString(), "--prompt", "x", "--image", bogus.toString()));
        assertTrue(err.toString().contains("not-an-image.png"), err.toString());

        err.getBuffer().setLength(0);
        assertEquals(1, cli.execute("--model", ckpt.toString(), "--prompt", "<|image_2|> hi", "--image",
                GoldenSet.fixtureImage("tiny_40x25.png").toString(), "--num-crops", "1"));
        assertTrue(err.toString().contains("image_"), err.toString());
    }
}
