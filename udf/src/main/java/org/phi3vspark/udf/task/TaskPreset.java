package org.phi3vspark.udf.task;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.phi3vspark.model.generate.GenerationConfig;
import org.phi3vspark.model.generate.json.TokenVocabulary;

/**
 * One task: its prompt template, the settings it runs with, the typed column its answer fills and the JSON
 * schema the answer must follow, if any.
 *
 * <p>Templates may contain {@code {column}} placeholders (an identifier in braces) that are filled from the
 * manifest row. Anything else in braces, such as the JSON example in the chart prompt, is plain text.
 *
 * <p>A task with a schema is decoded under it (unless spark.phi3v.constrainedDecoding is false) and its answer is
 * checked against it, whatever prompt a manifest row gives; {@code "output": "json"} needs one and puts the
 * answer in its {@link JsonColumn}.
 *
 * @param numCropsSingle crop budget for a one-image item (the model card advises 16)
 * @param numCropsMulti  crop budget for each image of a multi-image item (the model card advises 4)
 * @param schema         the task's {@code json_schema}, or null
 */
public record TaskPreset(String name, String promptTemplate, int numCropsSingle, int numCropsMulti,
                         GenerationConfig generation, OutputKind output, TaskSchema schema) implements Serializable {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

    public TaskPreset {
        Objects.requireNonNull(name, "task name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("task name '" + name + "' must match [a-z][a-z0-9_]*");
        }
        if (promptTemplate == null || promptTemplate.isBlank()) {
            throw new IllegalArgumentException("task '" + name + "' has an empty prompt");
        }
        if (numCropsSingle < 1 || numCropsMulti < 1) {
            throw new IllegalArgumentException("task '" + name + "': num_crops must be >= 1");
        }
        Objects.requireNonNull(generation, "generation settings of task " + name);
        Objects.requireNonNull(output, "output kind of task " + name);
        if (output == OutputKind.JSON) {
            if (schema == null) {
                throw new IllegalArgumentException("task '" + name + "' has \"output\": \"json\" but no"
                        + " \"json_schema\" to type its column");
            }
            JsonColumn.of(name, schema); // fails now, naming the schema's path, if it has no column type
        }
    }

    /** A user task: response only, the model card's crop advice, the default generation settings. */
    public static TaskPreset custom(String name, String promptTemplate) {
        return new TaskPreset(name, promptTemplate, 16, 4, GenerationConfig.DEFAULTS, OutputKind.TEXT, null);
    }

    /** The typed column of a json task; null for other tasks (their columns are fixed: caption, ocr, chart). */
    public JsonColumn jsonColumn() {
        return output == OutputKind.JSON ? JsonColumn.of(name, schema) : null;
    }

    /**
     * What besides prompt and settings decides this task's answers, for its request keys: the schema and
     * whether decoding follows it. Null for a task without a schema, so that their keys stay as they were.
     */
    public String answerKey(boolean constrainedDecoding) {
        return schema == null ? null : (constrainedDecoding ? "constrained " : "free ") + schema.json();
    }

    /**
     * Fails unless decoding under this task's schema can always finish a value within max_new_tokens (with a
     * smaller budget the answer could be cut off). Tasks without a schema pass.
     */
    public void checkTokenBudget(TokenVocabulary vocabulary) {
        if (schema == null) {
            return;
        }
        int minimum = schema.minimumTokens(vocabulary);
        if (generation.maxNewTokens() < minimum) {
            throw new IllegalArgumentException("task " + name + ": max_new_tokens " + generation.maxNewTokens()
                    + " is below " + minimum + ", the fewest tokens in which constrained decoding can always finish"
                    + " a value of its json_schema; raise max_new_tokens (the task's, or --max-new-tokens) or turn"
                    + " constrained decoding off (spark.phi3v.constrainedDecoding=false)");
        }
    }

    public int numCrops(int imageCount) {
        return imageCount > 1 ? numCropsMulti : numCropsSingle;
    }

    /** Column names used by the template's placeholders, in order of first use. */
    public List<String> placeholders() {
        return placeholders(promptTemplate);
    }

    public static List<String> placeholders(String template) {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        Matcher m = PLACEHOLDER.matcher(template);
        while (m.find()) {
            names.add(m.group(1));
        }
        return new ArrayList<>(names);
    }

    /**
     * Fills the placeholders. {@code value} returns the column's text (null values become empty text) or null
     * when no such column exists, in which case the placeholder is kept as written.
     */
    public static String render(String template, UnaryOperator<String> value) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = value.apply(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(v == null ? m.group() : v));
        }
        m.appendTail(out);
        return out.toString();
    }

    public TaskPreset with(TaskOverrides o) {
        return new TaskPreset(name, o.prompt() != null ? o.prompt() : promptTemplate,
                o.numCrops() != null ? o.numCrops() : numCropsSingle,
                o.numCropsMulti() != null ? o.numCropsMulti() : (o.numCrops() != null ? o.numCrops() : numCropsMulti),
                o.generation().applyTo(generation), o.output() != null ? o.output() : output,
                o.schema() != null ? o.schema() : schema);
    }
}
