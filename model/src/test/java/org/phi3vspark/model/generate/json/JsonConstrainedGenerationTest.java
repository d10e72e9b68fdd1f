package org.phi3vspark.model.generate.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.phi3vspark.model.GoldenSet;
import org.phi3vspark.model.Phi3VModel;
import org.phi3vspark.model.generate.FinishReason;
import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.model.generate.GenerationRequest;
import org.phi3vspark.model.generate.GenerationResult;
import org.phi3vspark.model.generate.LogitsProcessor;
import org.phi3vspark.model.text.ChatMessage;
import org.phi3vspark.model.text.Prompt;

/** Constrained generation with the tiny random-weight checkpoint, whose own output is never JSON. */
class JsonConstrainedGenerationTest {
    private static final Phi3VModel MODEL = GoldenSet.fixtureModel("tiny-f32");
    private static final TokenVocabulary VOCABULARY = TokenVocabulary.load(MODEL.directory());
    private static final JsonConstraint CHART = JsonConstraint.compile(
            JsonSchema.parse(JsonTestSupport.CHART_SCHEMA), VOCABULARY);
    private static final JsonConstraint INVOICE = JsonConstraint.compile(
            JsonSchema.parse(JsonTestSupport.INVOICE_SCHEMA), VOCABULARY);
    private static final String[] QUESTIONS = {"Extract the chart data as JSON.", "What does this chart show?",
        "Read the invoice and answer in JSON.", "List the line items.", "Describe the figure.", "Summarise it.",
        "Which series is the largest?", "Give me the totals."};

    private static Prompt prompt(String question) {
        return MODEL.promptBuilder().build(List.of(new ChatMessage("user", question)), new int[0]);
    }

    /** One request of a batch with its own schema, budget and processor. */
    private record Row(String question, JsonConstraint constraint, int maxNewTokens, JsonLogitsProcessor processor) {
        Row(String question, JsonConstraint constraint, int maxNewTokens) {
            this(question, constraint, maxNewTokens, constraint.newProcessor(maxNewTokens));
        }

        GenerationRequest request() {
            return new GenerationRequest(prompt(question), List.of(), GenerationConfig.greedy(maxNewTokens),
                    processor);
        }
    }

    private static List<GenerationResult> generate(List<Row> rows) {
        return MODEL.generate(rows.stream().map(Row::request).toList());
    }

    /** Budgets a little above each schema's minimum, so that every row is closed by the budget. */
    private static List<Row> rows(int count) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            JsonConstraint constraint = i % 2 == 0 ? CHART : INVOICE;
            rows.add(new Row(QUESTIONS[i], constraint, constraint.minimumTokens() + 4 + 3 * i));
        }
        return rows;
    }

    private static void assertConforming(Row row, GenerationResult result) {
        String context = row.question() + " -> " + result.text();
        assertEquals(Optional.empty(), JsonTestSupport.problem(row.constraint().schema(), result.text()), context);
        assertTrue(result.outputTokens() <= row.maxNewTokens(), context);
        assertTrue(row.processor().complete(result.generatedIds()), context);
        // the value is complete either with the end token or exactly at the last token of the budget
        assertTrue(result.finishReason() == FinishReason.STOP || result.outputTokens() == row.maxNewTokens(),
                context);
    }

    @Test
    void unconstrainedOutputIsNotJson() {
        for (Row row : rows(4)) {
            GenerationResult free = MODEL.generate(new GenerationRequest(prompt(row.question()), List.of(),
                    GenerationConfig.greedy(row.maxNewTokens())));
            assertTrue(JsonTestSupport.problem(row.constraint().schema(), free.text()).isPresent(), free.text());
        }
    }

    @Test
    void everyRowConformsAloneAndInABatchOfEight() {
        List<Row> batch = rows(8);
        List<GenerationResult> batched = generate(batch);
        for (int i = 0; i < batch.size(); i++) {
            Row row = batch.get(i);
            assertConforming(row, batched.get(i));
            if (row.constraint() == CHART) { // unbounded strings: the random model never closes them itself
                assertTrue(row.processor().closedEarly(), batched.get(i).text());
            }
            Row alone = new Row(row.question(), row.constraint(), row.maxNewTokens());
            GenerationResult single = generate(List.of(alone)).get(0);
            assertConforming(alone, single);
            assertArrayEquals(single.generatedIds(), batched.get(i).generatedIds(), "row " + i + " alone and batched");
            assertEquals(alone.processor().closedEarly(), row.processor().closedEarly());
        }
    }

    /**
     * A model that already writes a conforming answer: the tiny model with a hook that raises the logit of the
     * next token of a fixed answer (the tokenizer's own split of it) and then of the end token. Its logits stay
     * the model's otherwise, so the mask works on real values; its greedy output is valid, and constraining it
     * must change nothing.
     */
    @Test
    void outputThatAlreadyConformsIsIdentical() {
        String[] answers = {"{\"chart_type\": \"line\", \"title\": \"Visitors \u2014 2024\", \"x_label\": \"month\","
                + " \"y_label\": \"visits (k)\", \"series\": [{\"name\": \"web\", \"points\": "
                + "[{\"x\": \"Jan\", \"y\": 1.5},"
                + " {\"x\": \"Feb\", \"y\": -2e3}]}, {\"name\": \"app \\\"beta\\\"\", \"points\": []}]}",
            "{\"invoice_id\":\"INV-0042\",\"status\":\"overdue\",\"paid\":false,\"line_count\":2,\"notes\":null,"
                + "\"lines\":[{\"item\":\"bolts M4\",\"qty\":100,\"price\":0.05},{\"item\":\"\u00e9crou\",\"qty\":7,"
                + "\"price\":12}]}"};
        JsonConstraint[] constraints = {CHART, INVOICE};
        for (int a = 0; a < answers.length; a++) {
            long[] encoded = MODEL.tokenizer().encode(answers[a]);
            long[] answer = Arrays.copyOfRange(encoded, 1, encoded.length);
            int budget = answer.length + 16;
            GenerationConfig config = GenerationConfig.greedy(budget);
            LogitsProcessor writer = writing(answer);
            GenerationResult free = MODEL.generate(new GenerationRequest(prompt(QUESTIONS[a]), List.of(), config,
                    writer));
            assertEquals(answers[a], free.text());
            assertEquals(Optional.empty(), JsonTestSupport.problem(constraints[a].schema(), free.text()));

            JsonLogitsProcessor constraint = constraints[a].newProcessor(budget);
            GenerationResult constrained = MODEL.generate(new GenerationRequest(prompt(QUESTIONS[a]), List.of(),
                    config, (generated, logits) -> {
                        writer.process(generated, logits);
                        constraint.process(generated, logits);
                    }));
            assertArrayEquals(free.generatedIds(), constrained.generatedIds());
            assertEquals(free.text(), constrained.text());
            assertEquals(FinishReason.STOP, constrained.finishReason());
            assertFalse(constraint.closedEarly());
        }
    }

    private static LogitsProcessor writing(long[] answer) {
        return (generated, logits) -> {
            int next = generated.length < answer.length ? (int) answer[generated.length] : VOCABULARY.endTokenId();
            logits[next] += 1000;
        };
    }
}
