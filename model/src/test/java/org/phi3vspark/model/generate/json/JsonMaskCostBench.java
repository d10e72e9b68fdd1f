package org.phi3vspark.model.generate.json;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.phi3vspark.model.GoldenSet;
import org.phi3vspark.model.Phi3VModel;
import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.model.generate.GenerationRequest;
import org.phi3vspark.model.generate.GenerationResult;
import org.phi3vspark.model.generate.LogitsProcessor;
import org.phi3vspark.model.text.ChatMessage;
import org.phi3vspark.model.text.Prompt;

/**
 * Measures what the JSON mask costs per decode step next to the decode step itself, and prints it; asserts
 * nothing. Not part of the suite (the name does not end in Test); run it with
 * {@code mvn test -pl model -Dtest=JsonMaskCostBench [-Dphi3v.bench.checkpoint=DIR]} (default: tiny-f32).
 * Cold: a freshly compiled constraint, every state's mask computed on first use. Warm: a constraint that
 * served earlier requests, as in a long job.
 */
class JsonMaskCostBench {
    private static final int BUDGET = 160;
    private static final int ROUNDS = 3;

    /** Records the time of every call of the processor it wraps. */
    private static final class Timed implements LogitsProcessor {
        final JsonLogitsProcessor inner;
        final List<Long> nanos;

        Timed(JsonLogitsProcessor inner, List<Long> nanos) {
            this.inner = inner;
            this.nanos = nanos;
        }

        @Override
        public void process(long[] generated, float[] logits) {
            long started = System.nanoTime();
            inner.process(generated, logits);
            nanos.add(System.nanoTime() - started);
        }
    }

    @Test
    void printMaskCostPerDecodeStep() {
        String checkpoint = System.getProperty("phi3v.bench.checkpoint");
        Path dir = checkpoint == null ? GoldenSet.fixtureCheckpoint("tiny-f32") : Path.of(checkpoint);
        Phi3VModel model = Phi3VModel.load(dir, Device.cpu());
        long started = System.nanoTime();
        TokenVocabulary vocabulary = TokenVocabulary.load(dir);
        double vocabularyMillis = (System.nanoTime() - started) / 1e6;
        System.out.printf(Locale.ROOT, "checkpoint %s: hidden %d, %d layers; vocabulary %d ids, %d with text, "
                + "trie %d nodes, loaded in %.0f ms%n", dir.getFileName(), model.config().hiddenSize(),
                model.config().numHiddenLayers(), vocabulary.size(), vocabulary.textTokenCount(),
                vocabulary.trie().nodeCount(), vocabularyMillis);
        for (String[] schema : new String[][] {{"chart", JsonTestSupport.CHART_SCHEMA},
            {"invoice", JsonTestSupport.INVOICE_SCHEMA}}) {
            for (int batch : new int[] {1, 8}) {
                measure(model, vocabulary, schema[0], JsonSchema.parse(schema[1]), batch);
            }
        }
        model.close();
    }

    private static void measure(Phi3VModel model, TokenVocabulary vocabulary, String name, JsonSchema schema,
            int batch) {
        List<Prompt> prompts = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            prompts.add(model.promptBuilder().build(List.of(new ChatMessage("user", "Question " + i
                    + ": extract the data as JSON.")), new int[0]));
        }
        GenerationConfig config = GenerationConfig.greedy(BUDGET);
        double freeMillis = millisPerToken(model.generate(prompts.stream()
                .map(p -> new GenerationRequest(p, List.of(), config)).toList()));
        long compileStarted = System.nanoTime();
        JsonConstraint constraint = JsonConstraint.compile(schema, vocabulary);
        double compileMillis = (System.nanoTime() - compileStarted) / 1e6;
        for (int round = 0; round < ROUNDS; round++) {
            List<Long> nanos = new ArrayList<>();
            List<GenerationRequest> requests = new ArrayList<>();
            for (Prompt p : prompts) {
                requests.add(new GenerationRequest(p, List.of(), config,
                        new Timed(constraint.newProcessor(BUDGET), nanos)));
            }
            List<GenerationResult> results = model.generate(requests);
            long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf(Locale.ROOT, "%-7s batch %d %s: %4d mask calls, median %6.1f us, p95 %6.1f us, "
                    + "max %7.1f us | decode %.2f ms/token constrained, %.2f unconstrained | %d grammar states, "
                    + "compile %.1f ms%n",
                    name, batch, round == 0 ? "cold" : "warm", sorted.length, percentile(sorted, 0.5),
                    percentile(sorted, 0.95), sorted[sorted.length - 1] / 1e3, millisPerToken(results), freeMillis,
                    constraint.stateCount(), compileMillis);
            if (round == 0) {
                System.out.println("        e.g. " + results.get(0).text());
            }
        }
    }

    private static double percentile(long[] sorted, double q) {
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e3;
    }

    private static double millisPerToken(List<GenerationResult> results) {
        return Arrays.stream(results.toArray(GenerationResult[]::new)).mapToDouble(GenerationResult::millisPerToken)
                .average().orElse(0);
    }
}
