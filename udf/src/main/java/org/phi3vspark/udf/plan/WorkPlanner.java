package org.phi3vspark.udf.plan;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.StructType;
import org.phi3vspark.model.image.VideoDecoder;
import org.phi3vspark.model.text.ChatMessage;
import org.phi3vspark.model.text.Conversation;
import org.phi3vspark.model.text.PromptBuilder;
import org.phi3vspark.model.text.PromptException;
import org.phi3vspark.udf.conf.SerializableHadoopConf;
import org.phi3vspark.udf.row.ImageFile;
import org.phi3vspark.udf.row.Request;
import org.phi3vspark.udf.row.WorkItem;
import org.phi3vspark.udf.row.WorkSchema;
import org.phi3vspark.udf.task.TaskPreset;
import org.phi3vspark.udf.task.TaskRegistry;

/**
 * Manifest row to work rows, one per task: URIs normalised (relative ones resolved against the manifest's
 * folder, then qualified with their file system) and stat-ed once each, item id derived when absent, the prompt
 * rendered and tagged or the row's conversation checked, content and request keys computed. Runs on executors,
 * so the stat calls are spread over the cluster.
 *
 * <p>A video row (video_uri) is a multi-image item whose images are frames the executor samples from the video:
 * its one file is stat-ed like an image, every frame gets the multi-image num_crops, and its prompt gets its image
 * tags only when the frames are known (a video may give fewer frames than asked); the sampling settings are part of
 * its request keys instead.
 *
 * @param defaultTasks        tasks for rows whose manifest has no task value
 * @param constrainedDecoding spark.phi3v.constrainedDecoding, which changes what tasks with a schema answer
 * @param videoSampling       how frames are sampled from video rows (spark.phi3v.video*)
 */
public record WorkPlanner(ManifestLayout layout, TaskRegistry registry, List<String> defaultTasks,
                          String modelRevision, boolean constrainedDecoding, VideoDecoder.Sampling videoSampling,
                          SerializableHadoopConf hadoopConf)
        implements FlatMapFunction<Row, Row> {

    @Override
    public Iterator<Row> call(Row row) {
        Configuration conf = hadoopConf.get();
        RowImages rowImages = images(row, conf);
        List<String> uris = rowImages.uris();
        List<ImageFile> images = uris.stream().map(u -> ImageFile.stat(u, conf)).toList();
        String itemId = layout.itemId() && !isNull(row, ManifestLayout.ITEM_ID)
                ? String.valueOf(row.get(row.fieldIndex(ManifestLayout.ITEM_ID))) : Keys.derivedItemId(uris);
        List<String> tasks = layout.task() && !isNull(row, ManifestLayout.TASK)
                ? List.of(text(row, ManifestLayout.TASK).trim()) : defaultTasks;
        String rowPrompt = layout.prompt() ? text(row, ManifestLayout.PROMPT) : null;
        VideoDecoder.Sampling video = rowImages.video() ? videoSampling : null;
        RowConversation conversation = conversation(row, itemId, rowPrompt, video == null ? uris.size() : null);
        String invalid = rowImages.columns().size() > 1
                ? "item " + itemId + ": the row has URIs in " + String.join(" and ", rowImages.columns())
                        + "; fill one of them (a row has one image, several images, or a video)"
                : conversation == null ? null : conversation.problem();
        String contentKey = Keys.contentKey(images);
        Row passthrough = passthrough(row);
        List<Row> out = new ArrayList<>(tasks.size());
        for (String name : tasks) {
            TaskPreset preset = registry.get(name);
            String prompt;
            List<ChatMessage> messages = null;
            if (conversation == null) {
                String text = TaskPreset.render(rowPrompt != null ? rowPrompt : preset.promptTemplate(),
                        col -> columnText(row, col));
                // a video's tags wait for its frames (PartitionRun); the key has the sampling instead
                prompt = video == null ? PromptBuilder.withImageTags(text, uris.size()) : text;
            } else if (conversation.valid() != null) {
                prompt = conversation.valid().finalUserTurn();
                messages = conversation.valid().turns();
            } else {
                prompt = conversation.given();
            }
            // every frame of a video at the multi-image budget, however many frames it gives
            int numCrops = video == null ? preset.numCrops(uris.size()) : preset.numCropsMulti();
            String requestKey = Keys.requestKey(contentKey, name, prompt, messages, numCrops, preset.generation(),
                    preset.answerKey(constrainedDecoding), video, modelRevision);
            WorkItem item = new WorkItem(itemId, images, video,
                    new Request(name, prompt, messages, numCrops, preset.generation(), requestKey), contentKey,
                    invalid);
            out.add(WorkSchema.LAYOUT.encode(item, passthrough, false));
        }
        return out.iterator();
    }

    /**
     * The row's conversation: checked, or the reason it is unusable (the partition function makes that the item's
     * error row). Null when the row has none and the task's prompt template applies.
     *
     * @param given the conversation as the manifest wrote it, for the error row's prompt column
     */
    private record RowConversation(Conversation valid, String given, String problem) {
    }

    /** @param images the row's image count, or null for a video's (its tags are checked once its frames are known) */
    private RowConversation conversation(Row row, String itemId, String rowPrompt, Integer images) {
        if (layout.messages() == ManifestLayout.MessagesForm.NONE || isNull(row, ManifestLayout.MESSAGES)) {
            return null;
        }
        Object raw = row.get(row.fieldIndex(ManifestLayout.MESSAGES));
        String given = String.valueOf(raw);
        try {
            if (rowPrompt != null) {
                throw new PromptException("the row has both a prompt and messages; keep one");
            }
            Conversation c = layout.messages() == ManifestLayout.MessagesForm.JSON
                    ? Conversation.fromJson(given) : new Conversation(turns(row.getList(row.fieldIndex(
                            ManifestLayout.MESSAGES))));
            if (images != null) {
                c.checkImageTags(images);
            }
            return new RowConversation(c, given, null);
        } catch (PromptException e) {
            return new RowConversation(null, given, "item " + itemId + ": column " + ManifestLayout.MESSAGES + ": "
                    + e.getMessage());
        }
    }

    private static List<ChatMessage> turns(List<Row> structs) {
        List<ChatMessage> turns = new ArrayList<>();
        for (Row t : structs) {
            int n = turns.size() + 1;
            if (t == null || t.isNullAt(t.fieldIndex("role")) || t.isNullAt(t.fieldIndex("content"))) {
                throw new PromptException("turn " + n + " has no role or no content");
            }
            turns.add(new ChatMessage(t.getAs("role"), t.getAs("content")));
        }
        return turns;
    }

    /**
     * A row's image URIs, normalised, in the order given.
     *
     * @param columns the image columns the row has URIs in: one, or none; several make the row invalid (its URIs
     *                are then all of them, for the error row)
     * @param video   whether the one URI is a video's (the row's only column is a video column)
     */
    private record RowImages(List<String> uris, List<String> columns, boolean video) {
    }

    private RowImages images(Row row, Configuration conf) {
        List<String> raw = new ArrayList<>();
        List<String> columns = new ArrayList<>();
        boolean video = false;
        for (ManifestLayout.ImageColumn column : layout.images()) {
            int before = raw.size();
            if (isNull(row, column.name())) {
                continue;
            }
            if (column.array()) {
                for (Object o : row.getList(row.fieldIndex(column.name()))) {
                    if (o != null && !o.toString().isBlank()) {
                        raw.add(o.toString().trim());
                    }
                }
            } else if (!text(row, column.name()).isBlank()) {
                raw.add(text(row, column.name()).trim());
            }
            if (raw.size() > before) {
                columns.add(column.name());
                video = column.video();
            }
        }
        List<String> out = new ArrayList<>(raw.size());
        for (String u : raw) {
            out.add(normalize(u, conf));
        }
        return new RowImages(out, columns, video && columns.size() == 1);
    }

    private String normalize(String uri, Configuration conf) {
        try {
            Path p = new Path(uri);
            if (!p.isAbsolute() && p.toUri().getScheme() == null && layout.baseDir() != null) {
                p = new Path(new Path(layout.baseDir()), p);
            }
            return p.getFileSystem(conf).makeQualified(p).toString();
        } catch (Exception e) {
            // Left as written: its stat fails and names it in an error row.
            return uri;
        }
    }

    private String columnText(Row row, String col) {
        if (!layout.columns().contains(col)) {
            return null;
        }
        if (isNull(row, col)) {
            return "";
        }
        Object v = row.get(row.fieldIndex(col));
        if (v instanceof scala.collection.Seq<?> seq) {
            return String.join(", ", scala.jdk.javaapi.CollectionConverters.asJava(seq).stream()
                    .map(String::valueOf).toList());
        }
        return String.valueOf(v);
    }

    private Row passthrough(Row row) {
        StructType type = layout.passthroughType(row.schema());
        if (type == null) {
            return null;
        }
        Object[] v = new Object[layout.passthrough().size()];
        for (int k = 0; k < v.length; k++) {
            v[k] = row.get(row.fieldIndex(layout.passthrough().get(k)));
        }
        return new GenericRowWithSchema(v, type);
    }

    private static boolean isNull(Row row, String col) {
        return row.isNullAt(row.fieldIndex(col));
    }

    private static String text(Row row, String col) {
        return isNull(row, col) ? null : row.getString(row.fieldIndex(col));
    }
}
