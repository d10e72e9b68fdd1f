package org.phi3vspark.model.generate.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.phi3vspark.model.GoldenSet;
import org.phi3vspark.model.text.Phi3Tokenizer;

/**
 * The processor in a decode loop of its own (no model): random logits stand in for a model that knows no JSON,
 * tokenizer encodings of conforming documents for a model that writes it already.
 */
class JsonLogitsProcessorTest {
    /** The model's logits are longer than the tokenizer: its embedding has padded rows. */
    private static final int LOGITS = 32064;
    private static final TokenVocabulary VOCABULARY = JsonTestSupport.vocabulary();
    private static final JsonSchema CHART = JsonSchema.parse(JsonTestSupport.CHART_SCHEMA);
    private static final JsonSchema INVOICE = JsonSchema.parse(JsonTestSupport.INVOICE_SCHEMA);
    private static final JsonConstraint CHART_CONSTRAINT = JsonConstraint.compile(CHART, VOCABULARY);
    private static final JsonConstraint INVOICE_CONSTRAINT = JsonConstraint.compile(INVOICE, VOCABULARY);
    private static Phi3Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = Phi3Tokenizer.load(GoldenSet.fixtureCheckpoint("tiny-f32"));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    /** Logits of the next step given the ids so far. */
    private interface Model {
        float[] logits(long[] generated);
    }

    /** What the decode loop produced, as the generator would report it. */
    private record Output(long[] ids, JsonLogitsProcessor processor) {
        String text() {
            return JsonTestSupport.text(VOCABULARY, ids);
        }
    }

    /** Greedy decoding as the generator does it: hook, argmax (lowest id on ties), stop after the end token. */
    private static Output greedy(JsonConstraint constraint, int maxNewTokens, Model model) {
        JsonLogitsProcessor processor = constraint.newProcessor(maxNewTokens);
        long[] generated = new long[0];
        while (generated.length < maxNewTokens) {
            float[] logits = model.logits(generated);
            processor.process(generated.clone(), logits);
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            generated = Arrays.copyOf(generated, generated.length + 1);
            generated[generated.length - 1] = best;
            if (best == VOCABULARY.endTokenId()) {
                break;
            }
        }
        return new Output(generated, processor);
    }

    private static Model randomModel(long seed) {
        Random random = new Random(seed);
        return generated -> {
            float[] logits = new float[LOGITS];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = random.nextFloat() * 8;
            }
            return logits;
        };
    }

    /** A model that writes {@code target} and then the end token, and has random preferences below that. */
    private static Model writing(long[] target, long seed) {
        Model noise = randomModel(seed);
        return generated -> {
            float[] logits = noise.logits(generated);
            int next = generated.length < target.length ? (int) target[generated.length] : VOCABULARY.endTokenId();
            logits[next] += 100;
            return logits;
        };
    }

    private static long[] encode(String text) {
        long[] ids = tokenizer.encode(text);
        return Arrays.copyOfRange(ids, 1, ids.length); // without BOS
    }

    private static void assertConforms(JsonSchema schema, Output out, int maxNewTokens) {
        String context = out.text() + " from " + Arrays.toString(out.ids());
        assertEquals(Optional.empty(), JsonTestSupport.problem(schema, out.text()), context);
        assertTrue(out.ids().length <= maxNewTokens, context);
        assertTrue(out.processor().complete(out.ids()), context);
        assertFalse(out.processor().leftSchema(), context);
    }

    @Test
    void randomLogitsGiveAConformingValueForEveryBudgetFromTheMinimum() {
        for (JsonConstraint constraint : List.of(CHART_CONSTRAINT, INVOICE_CONSTRAINT)) {
            int minimum = constraint.minimumTokens();
            for (int budget = minimum; budget < minimum + 80; budget += 9) {
                Output out = greedy(constraint, budget, randomModel(budget));
                assertConforms(constraint.schema(), out, budget);
                if (constraint == CHART_CONSTRAINT) { // its strings are unbounded: random preferences keep them open
                    assertTrue(out.processor().closedEarly(), out.text());
                }
            }
        }
    }

    @Test
    void samplingStaysInTheSchemaToo() {
        Random draws = new Random(5);
        for (int seed = 0; seed < 6; seed++) {
            int budget = INVOICE_CONSTRAINT.minimumTokens() + 10 * seed;
            JsonLogitsProcessor processor = INVOICE_CONSTRAINT.newProcessor(budget);
            Model model = randomModel(seed);
            long[] generated = new long[0];
            while (generated.length < budget && (generated.length == 0
                    || generated[generated.length - 1] != VOCABULARY.endTokenId())) {
                float[] logits = model.logits(generated);
                processor.process(generated.clone(), logits);
                generated = Arrays.copyOf(generated, generated.length + 1);
                generated[generated.length - 1] = softmaxDraw(logits, draws);
            }
            assertConforms(INVOICE, new Output(generated, processor), budget);
        }
    }

    private static int softmaxDraw(float[] logits, Random random) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double[] weights = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            weights[i] = Math.exp(logits[i] - max);
            sum += weights[i];
        }
        double u = random.nextDouble() * sum;
        int last = 0;
        for (int i = 0; i < logits.length; i++) {
            if (weights[i] > 0) {
                last = i;
                u -= weights[i];
                if (u <= 0) {
                    return i;
                }
            }
        }
        return last;
    }

    @Test
    void tooSmallABudgetCutsTheValueWithoutLeavingTheGrammar() {
        int budget = CHART_CONSTRAINT.minimumTokens() - 5;
        Output out = greedy(CHART_CONSTRAINT, budget, randomModel(1));
        assertEquals(budget, out.ids().length);
        assertFalse(out.processor().complete(out.ids()));
        assertFalse(out.processor().leftSchema());
        assertTrue(out.text().startsWith("{\"chart_type\":"), out.text());
    }

    @Test
    void everyTokenOfEncodedConformingDocumentsIsAllowed() {
        for (JsonConstraint constraint : List.of(CHART_CONSTRAINT, INVOICE_CONSTRAINT)) {
            RandomDocuments documents = new RandomDocuments(21);
            for (int d = 0; d < 150; d++) {
                String document = documents.next(constraint.schema());
                long[] ids = encode(document); // the tokenizer's own split starts with the space mark: "▁{"
                JsonLogitsProcessor processor = constraint.newProcessor(ids.length + 1);
                for (int i = 0; i <= ids.length; i++) {
                    float[] logits = new float[LOGITS];
                    processor.process(Arrays.copyOf(ids, i), logits);
                    int expected = i < ids.length ? (int) ids[i] : VOCABULARY.endTokenId();
                    assertTrue(logits[expected] == 0, document + ": token " + i + " of " + Arrays.toString(ids)
                            + " is masked");
                }
                assertEquals(tokenizer.decode(ids), JsonTestSupport.text(VOCABULARY, ids));
                assertEquals(Optional.empty(), JsonTestSupport.problem(constraint.schema(), tokenizer.decode(ids)));
            }
        }
    }

    @Test
    void aModelThatAlreadyWritesConformingJsonIsLeftAlone() {
        RandomDocuments documents = new RandomDocuments(4);
        for (int d = 0; d < 40; d++) {
            String document = documents.next(CHART);
            long[] target = encode(document);
            long[] expected = Arrays.copyOf(target, target.length + 1);
            expected[target.length] = VOCABULARY.endTokenId();
            // The budget is the document and its end token exactly, so the budget check is tight at every step:
            // the shortest completion never needs more tokens than the rest of these documents.
            Output out = greedy(CHART_CONSTRAINT, expected.length, writing(target, d));
            assertArrayEquals(expected, out.ids(), document);
            assertFalse(out.processor().closedEarly(), document);
        }
    }

    @Test
    void afterACompleteValueOnlyTheEndTokenIsAllowed() {
        long[] ids = encode("{\"chart_type\": \"pie\", \"title\": \"t\", \"x_label\": \"\", \"y_label\": \"\", "
                + "\"series\": []}");
        JsonLogitsProcessor processor = CHART_CONSTRAINT.newProcessor(100);
        float[] logits = new float[LOGITS];
        processor.process(ids, logits);
        assertArrayEquals(new int[] {VOCABULARY.endTokenId()}, allowed(logits));
    }

    @Test
    void idsThatDoNotExtendWhatWasSeenRebuildTheState() {
        long[] first = encode("{\"chart_type\": \"bar\", \"title\": \"Sales\", \"x_label\": \"");
        long[] second = encode("{\"chart_type\": \"line\", \"title\": \"");
        JsonLogitsProcessor reused = CHART_CONSTRAINT.newProcessor(200);
        for (int i = 0; i <= first.length; i++) {
            reused.process(Arrays.copyOf(first, i), new float[LOGITS]);
        }
        for (int i = 0; i <= second.length; i++) { // a retry: the same request from the start, other ids
            float[] again = new float[LOGITS];
            reused.process(Arrays.copyOf(second, i), again);
            float[] fresh = new float[LOGITS];
            CHART_CONSTRAINT.newProcessor(200).process(Arrays.copyOf(second, i), fresh);
            assertArrayEquals(allowed(fresh), allowed(again), "step " + i);
        }
    }

    @Test
    void aTokenTheMaskRemovedIsNoticedAndOnlyTheEndFollows() {
        long[] ids = encode("{\"chart_type\": \"area\"");
        JsonLogitsProcessor processor = CHART_CONSTRAINT.newProcessor(100);
        float[] logits = new float[LOGITS];
        processor.process(ids, logits);
        assertTrue(processor.leftSchema());
        assertArrayEquals(new int[] {VOCABULARY.endTokenId()}, allowed(logits));
        assertFalse(processor.complete(ids));
    }

    @Test
    void minimumTokensIsTheShortestValueCutIntoTokens() {
        JsonConstraint constraint = JsonConstraint.compile(JsonSchema.parse("{\"type\": \"object\", \"properties\":"
                + " {\"ok\": {\"type\": \"boolean\"}}, \"required\": [\"ok\"]}"), VOCABULARY);
        // {"ok":true} is {" ok ": true }
        assertEquals(5, constraint.minimumTokens());
        for (int seed = 0; seed < 10; seed++) {
            Output out = greedy(constraint, 5, randomModel(seed));
            assertConforms(constraint.schema(), out, 5); // e.g. {"ok": false} is five tokens too
        }
    }

    private static int[] allowed(float[] logits) {
        return IntStream.range(0, logits.length).filter(i -> logits[i] != Float.NEGATIVE_INFINITY).toArray();
    }
}
