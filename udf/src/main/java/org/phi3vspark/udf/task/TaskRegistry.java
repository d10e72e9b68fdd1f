package org.phi3vspark.udf.task;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.phi3vspark.model.generate.GenerationOverrides;
import org.phi3vspark.model.generate.json.InvalidSchemaException;

/**
 * The one place where task presets live. Built-in presets come from the bundled {@code tasks.json} (the same
 * file as {@code conf/tasks.json}); a user file in the same format overrides fields of existing tasks or adds
 * new ones; CLI options override settings last.
 */
public final class TaskRegistry implements Serializable {

    private static final String RESOURCE = "/org/phi3vspark/udf/tasks.json";
    private static final Gson GSON = new GsonBuilder()
            .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES).create();

    private final Map<String, TaskPreset> presets;

    private TaskRegistry(Map<String, TaskPreset> presets) {
        this.presets = Collections.unmodifiableMap(new LinkedHashMap<>(presets));
    }

    /** caption, ocr and chart as shipped. */
    public static TaskRegistry builtIn() {
        try (InputStream in = TaskRegistry.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("bundled task presets " + RESOURCE + " missing from the classpath");
            }
            return new TaskRegistry(Map.of()).merge(new InputStreamReader(in, StandardCharsets.UTF_8), RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read bundled task presets " + RESOURCE, e);
        }
    }

    /** This registry with the tasks of a tasks.json file merged over it. */
    public TaskRegistry withFile(Path tasksJson) {
        try (Reader r = Files.newBufferedReader(tasksJson)) {
            return merge(r, tasksJson.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read task presets file " + tasksJson, e);
        }
    }

    public TaskRegistry withTask(TaskPreset preset) {
        Map<String, TaskPreset> copy = new LinkedHashMap<>(presets);
        copy.put(preset.name(), preset);
        return new TaskRegistry(copy);
    }

    public boolean has(String name) {
        return presets.containsKey(name);
    }

    public TaskPreset get(String name) {
        TaskPreset p = presets.get(name);
        if (p == null) {
            throw new IllegalArgumentException("unknown task '" + name + "': known tasks are " + names()
                    + " (define others with --task-def NAME=TEMPLATE or a tasks file)");
        }
        return p;
    }

    public List<String> names() {
        return new ArrayList<>(presets.keySet());
    }

    public List<TaskPreset> all() {
        return new ArrayList<>(presets.values());
    }

    private TaskRegistry merge(Reader json, String source) {
        TasksFile file;
        try {
            file = GSON.fromJson(json, TasksFile.class);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("task presets file " + source + " is not valid JSON: " + e.getMessage(), e);
        }
        if (file == null || file.tasks == null) {
            throw new IllegalArgumentException("task presets file " + source + " has no \"tasks\" array");
        }
        Map<String, TaskPreset> out = new LinkedHashMap<>(presets);
        for (TaskEntry e : file.tasks) {
            if (e.name == null) {
                throw new IllegalArgumentException("task presets file " + source + ": a task has no \"name\"");
            }
            try {
                out.put(e.name, e.applyTo(out.get(e.name)));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("task presets file " + source + ", task '" + e.name + "': "
                        + ex.getMessage(), ex);
            }
        }
        return new TaskRegistry(out);
    }

    /** JSON shape of tasks.json; boxed fields so that an override can leave a field out. */
    @SuppressWarnings("unused")
    private static final class TasksFile {
        List<TaskEntry> tasks;
    }

    @SuppressWarnings("unused")
    private static final class TaskEntry {
        String name;
        String prompt;
        Integer numCrops;
        Integer numCropsMultiImage;
        Integer maxNewTokens;
        Double temperature;
        Integer topK;
        Double topP;
        Long seed;
        String output;
        JsonElement jsonSchema;

        TaskPreset applyTo(TaskPreset base) {
            if (base == null && prompt == null) {
                throw new IllegalArgumentException("a new task needs a \"prompt\"");
            }
            TaskPreset start = base != null ? base : TaskPreset.custom(name, prompt);
            return start.with(new TaskOverrides(prompt, numCrops, numCropsMultiImage,
                    new GenerationOverrides(maxNewTokens, temperature, topK, topP, seed),
                    output == null ? null : OutputKind.parse(output), jsonSchema == null ? null : schema()));
        }

        private TaskSchema schema() {
            try {
                return TaskSchema.of(jsonSchema);
            } catch (InvalidSchemaException e) {
                throw new IllegalArgumentException("json_schema " + e.getMessage(), e);
            }
        }
    }
}
