package org.phi3vspark.udf.exec;

import org.phi3vspark.model.generate.GenerationRequest;
import org.phi3vspark.model.generate.json.JsonLogitsProcessor;
import org.phi3vspark.udf.task.OutputParsers;
import org.phi3vspark.udf.task.ParsedOutput;
import org.phi3vspark.udf.task.TaskPreset;
import org.phi3vspark.udf.task.TaskRegistry;
import org.phi3vspark.udf.task.TaskSchema;

/**
 * What a task adds around the model call. Before: a request of a task with a JSON schema gets its own processor
 * over the schema's constraint, compiled once per JVM ({@link CompiledSchemas}), unless
 * spark.phi3v.constrainedDecoding is off. After: the answer is read into the task's typed columns and checked
 * against its schema, and a constrained request tells whether the token budget closed the value early. The
 * task, not the row's prompt, decides both, so a row that overrides the prompt keeps its task's schema.
 *
 * @param modelDir the local folder of the loaded model, whose tokenizer the constraints are compiled for
 */
record TaskAnswers(TaskRegistry tasks, boolean constrainedDecoding, String modelDir) {

    /** An answer's typed columns, and whether its constraint closed it early (null: not constrained). */
    record Answer(ParsedOutput parsed, Boolean closedEarly) {
    }

    GenerationRequest constrain(String task, GenerationRequest request) {
        TaskSchema schema = tasks.get(task).schema();
        if (!constrainedDecoding || schema == null) {
            return request;
        }
        JsonLogitsProcessor processor = CompiledSchemas.get(modelDir, schema)
                .newProcessor(request.config().maxNewTokens());
        return new GenerationRequest(request.prompt(), request.images(), request.config(), processor);
    }

    /** @param request the request as {@link #constrain} made it */
    Answer read(String task, GenerationRequest request, String text) {
        TaskPreset preset = tasks.get(task);
        if (request.logitsProcessor() instanceof JsonLogitsProcessor constraint) {
            return new Answer(OutputParsers.parse(preset, true, text), constraint.closedEarly());
        }
        return new Answer(OutputParsers.parse(preset, false, text), null);
    }
}
