package org.phi3vspark.udf;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.phi3vspark.model.text.PromptBuilder;
import org.phi3vspark.udf.task.TaskPreset;
import org.phi3vspark.udf.task.TaskRegistry;

/**
 * Manifest row to work rows, one per task: URIs normalised (relative ones resolved against the manifest's
 * folder, then qualified with their file system), item id derived when absent, prompt rendered, image tags
 * added, content and request keys computed. Runs on executors, so the stat calls of the content key are
 * spread over the cluster.
 *
 * @param defaultTasks tasks for rows whose manifest has no task value
 */
public record WorkPlanner(ManifestLayout layout, TaskRegistry registry, List<String> defaultTasks,
                          String modelRevision, SerializableHadoopConf hadoopConf)
        implements FlatMapFunction<Row, Row> {

    @Override
    public Iterator<Row> call(Row row) {
        Configuration conf = hadoopConf.get();
        List<String> uris = uris(row, conf);
        String itemId = layout.itemId() >= 0 && !row.isNullAt(layout.itemId())
                ? String.valueOf(row.get(layout.itemId())) : Keys.derivedItemId(uris);
        List<String> tasks = layout.task() >= 0 && !row.isNullAt(layout.task())
                ? List.of(row.getString(layout.task()).trim()) : defaultTasks;
        String rowPrompt = layout.prompt() >= 0 && !row.isNullAt(layout.prompt()) ? row.getString(layout.prompt())
                : null;
        String contentKey = Keys.contentKey(uris, conf);
        Row passthrough = passthrough(row);
        List<Row> out = new ArrayList<>(tasks.size());
        for (String name : tasks) {
            TaskPreset preset = registry.get(name);
            String text = TaskPreset.render(rowPrompt != null ? rowPrompt : preset.promptTemplate(),
                    col -> columnText(row, col));
            String prompt = PromptBuilder.withImageTags(text, uris.size());
            int numCrops = preset.numCrops(uris.size());
            String requestKey = Keys.requestKey(contentKey, name, prompt, numCrops, preset.generation(),
                    modelRevision);
            out.add(WorkSchema.toRow(new WorkItem(itemId, uris, name, prompt, numCrops, preset.generation(),
                    preset.output(), contentKey, requestKey), passthrough));
        }
        return out.iterator();
    }

    private List<String> uris(Row row, Configuration conf) {
        List<String> raw = new ArrayList<>();
        if (!row.isNullAt(layout.images())) {
            if (layout.imagesArray()) {
                for (Object o : row.getList(layout.images())) {
                    if (o != null && !o.toString().isBlank()) {
                        raw.add(o.toString().trim());
                    }
                }
            } else if (!row.getString(layout.images()).isBlank()) {
                raw.add(row.getString(layout.images()).trim());
            }
        }
        List<String> out = new ArrayList<>(raw.size());
        for (String u : raw) {
            out.add(normalize(u, conf));
        }
        return out;
    }

    private String normalize(String uri, Configuration conf) {
        try {
            Path p = new Path(uri);
            if (!p.isAbsolute() && p.toUri().getScheme() == null && layout.baseDir() != null) {
                p = new Path(new Path(layout.baseDir()), p);
            }
            return p.getFileSystem(conf).makeQualified(p).toString();
        } catch (Exception e) {
            // Left as written: reading it fails later and names it in an error row.
            return uri;
        }
    }

    private String columnText(Row row, String col) {
        int i = layout.columns().indexOf(col);
        if (i < 0) {
            return null;
        }
        if (row.isNullAt(i)) {
            return "";
        }
        Object v = row.get(i);
        if (v instanceof scala.collection.Seq<?> seq) {
            return String.join(", ", scala.jdk.javaapi.CollectionConverters.asJava(seq).stream()
                    .map(String::valueOf).toList());
        }
        return String.valueOf(v);
    }

    private Row passthrough(Row row) {
        if (layout.passthrough().isEmpty()) {
            return null;
        }
        Object[] v = new Object[layout.passthrough().size()];
        for (int k = 0; k < v.length; k++) {
            v[k] = row.get(layout.passthrough().get(k));
        }
        return RowFactory.create(v);
    }
}
