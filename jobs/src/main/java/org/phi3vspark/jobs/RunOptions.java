package org.phi3vspark.jobs;

import java.util.List;
import org.phi3vspark.udf.conf.TableFormat;
import org.phi3vspark.udf.task.TaskOverrides;
import org.phi3vspark.udf.task.TaskRegistry;

/**
 * Per-run I/O and task choices (the CLI's options, or a test's).
 *
 * @param registry    task presets, custom tasks included
 * @param tasks       tasks applied to rows whose manifest has no task value
 * @param overrides   settings applied on top of every selected preset
 * @param passthrough manifest columns copied to the output
 * @param media       the column of the rows' images or videos, or null for image_uri / image_uris / video_uri
 * @param runId       null for a generated one
 * @param tableFormat format of the results table, or null for the setting spark.phi3v.tableFormat
 */
public record RunOptions(String input, InputFormat inputFormat, String output, String model, TaskRegistry registry,
                         List<String> tasks, TaskOverrides overrides, WriteMode mode, List<String> passthrough,
                         MediaColumn media, String runId, TableFormat tableFormat) {

    /** A manifest column named by the user: image URIs (a string or an array of strings), or a video URI per row. */
    public record MediaColumn(String name, boolean video) {
        public static MediaColumn images(String name) {
            return new MediaColumn(name, false);
        }

        public static MediaColumn videos(String name) {
            return new MediaColumn(name, true);
        }
    }

    public static RunOptions of(String input, String output, String model, List<String> tasks) {
        return new RunOptions(input, InputFormat.AUTO, output, model, TaskRegistry.builtIn(), tasks,
                TaskOverrides.NONE, WriteMode.SKIP_DONE, List.of(), null, null, null);
    }

    public RunOptions withOverrides(TaskOverrides o) {
        return new RunOptions(input, inputFormat, output, model, registry, tasks, o, mode, passthrough, media,
                runId, tableFormat);
    }

    public RunOptions withMode(WriteMode m) {
        return new RunOptions(input, inputFormat, output, model, registry, tasks, overrides, m, passthrough,
                media, runId, tableFormat);
    }

    public RunOptions withRegistry(TaskRegistry r) {
        return new RunOptions(input, inputFormat, output, model, r, tasks, overrides, mode, passthrough, media,
                runId, tableFormat);
    }

    public RunOptions withPassthrough(List<String> cols) {
        return new RunOptions(input, inputFormat, output, model, registry, tasks, overrides, mode, cols, media,
                runId, tableFormat);
    }

    public RunOptions withInputFormat(InputFormat f) {
        return new RunOptions(input, f, output, model, registry, tasks, overrides, mode, passthrough, media,
                runId, tableFormat);
    }

    public RunOptions withMedia(MediaColumn m) {
        return new RunOptions(input, inputFormat, output, model, registry, tasks, overrides, mode, passthrough, m,
                runId, tableFormat);
    }

    public RunOptions withTableFormat(TableFormat f) {
        return new RunOptions(input, inputFormat, output, model, registry, tasks, overrides, mode, passthrough,
                media, runId, f);
    }
}
