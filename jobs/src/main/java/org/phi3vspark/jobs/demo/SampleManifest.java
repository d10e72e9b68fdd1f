package org.phi3vspark.jobs.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the demo manifest as JSON Lines: one row per item and task with {@code item_id},
 * {@code image_uris} (an array, two pages for the multi-image item) or {@code video_uri} (the clip),
 * {@code task} and a free-text {@code description} column that the job may pass through.
 */
public final class SampleManifest {
    private SampleManifest() {
    }

    /**
     * One manifest row.
     *
     * @param videoUri the video of a video row (its imageUris are empty), or null
     */
    public record Row(String itemId, List<String> imageUris, String videoUri, String task, String description) {
        public Row {
            imageUris = List.copyOf(imageUris);
        }

        /** A row of images. */
        public Row(String itemId, List<String> imageUris, String task, String description) {
            this(itemId, imageUris, null, task, description);
        }
    }

    /** The rows for {@code items}: each item once per task that suits it. */
    public static List<Row> rows(List<SampleImages.SampleItem> items) {
        List<Row> rows = new ArrayList<>();
        for (SampleImages.SampleItem item : items) {
            List<String> uris = item.images().stream().map(p -> p.toAbsolutePath().toUri().toString()).toList();
            String video = item.video() == null ? null : item.video().toAbsolutePath().toUri().toString();
            for (String task : item.tasks()) {
                rows.add(new Row(item.itemId(), uris, video, task, item.description()));
            }
        }
        return List.copyOf(rows);
    }

    /** Writes {@code rows} to {@code file} as JSON Lines (UTF-8, one object per line). */
    public static Path write(Path file, List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        for (Row row : rows) {
            sb.append("{\"item_id\":").append(json(row.itemId()));
            if (row.videoUri() != null) {
                sb.append(",\"video_uri\":").append(json(row.videoUri()));
            } else {
                sb.append(",\"image_uris\":[");
                for (int i = 0; i < row.imageUris().size(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    sb.append(json(row.imageUris().get(i)));
                }
                sb.append(']');
            }
            sb.append(",\"task\":").append(json(row.task()))
                    .append(",\"description\":").append(json(row.description()))
                    .append("}\n");
        }
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write demo manifest " + file, e);
        }
        return file;
    }

    static String json(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
