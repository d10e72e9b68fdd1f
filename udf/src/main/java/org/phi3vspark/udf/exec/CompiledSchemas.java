package org.phi3vspark.udf.exec;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.phi3vspark.model.generate.json.JsonConstraint;
import org.phi3vspark.model.generate.json.TokenVocabulary;
import org.phi3vspark.udf.task.TaskSchema;

/**
 * The JSON constraints of this JVM: a model's vocabulary is read once per model folder and each schema is
 * compiled once per vocabulary, then shared by every task and request on the executor (a constraint keeps the
 * masks it has computed, so later requests reuse them). Each request still gets its own processor.
 */
final class CompiledSchemas {

    private record Key(String modelDir, String schema) {
    }

    private static final Map<String, TokenVocabulary> VOCABULARIES = new ConcurrentHashMap<>();
    private static final Map<Key, JsonConstraint> CONSTRAINTS = new ConcurrentHashMap<>();

    private CompiledSchemas() {
    }

    /** The constraint of {@code schema} over the tokenizer of the model in {@code modelDir}. */
    static JsonConstraint get(String modelDir, TaskSchema schema) {
        return CONSTRAINTS.computeIfAbsent(new Key(modelDir, schema.json()), k -> JsonConstraint.compile(
                schema.schema(), VOCABULARIES.computeIfAbsent(modelDir, dir -> TokenVocabulary.load(Path.of(dir)))));
    }
}
