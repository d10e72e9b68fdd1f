package org.phi3vspark.udf.plan;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What the manifest's columns mean, checked on the driver: a wrong manifest fails here, naming the column,
 * before any executor starts. Columns are read by name.
 *
 * @param columns     every column name (placeholders in prompt templates refer to these)
 * @param images      the image columns: the one named by the caller, or those of image_uri, image_uris and
 *                    video_uri that the manifest has (a row gives its URIs in one of them: images or a video)
 * @param itemId      whether there is an item_id column
 * @param task        whether there is a task column
 * @param prompt      whether there is a prompt column
 * @param messages    how the row's conversation is given, or {@link MessagesForm#NONE}
 * @param passthrough the columns copied to the output
 * @param baseDir     directory that relative URIs are resolved against, or null
 * @param source      the manifest's name for messages
 */
public record ManifestLayout(List<String> columns, List<ImageColumn> images, boolean itemId, boolean task,
                             boolean prompt, MessagesForm messages, List<String> passthrough, String baseDir,
                             String source) implements Serializable {

    public static final String IMAGE_URI = "image_uri";
    public static final String IMAGE_URIS = "image_uris";
    /** A video whose sampled frames are the row's images (a row has images or a video, not both). */
    public static final String VIDEO_URI = "video_uri";
    public static final String ITEM_ID = "item_id";
    public static final String TASK = "task";
    public static final String PROMPT = "prompt";

    /** The conversation column; see {@link MessagesForm} for its two spellings. */
    public static final String MESSAGES = "messages";

    /** The two ways a manifest can hold a conversation. */
    public enum MessagesForm {
        /** No messages column. */
        NONE,
        /** An array of {role, content} structs (Parquet, JSON Lines with objects). */
        STRUCTS,
        /** A JSON string of such an array (CSV, or any string column). */
        JSON
    }

    /**
     * A column holding a row's image URIs, or its video's URI.
     *
     * @param array whether it holds an array of URIs (else a single URI string)
     * @param video whether the URI is a video's, whose sampled frames are the row's images
     */
    public record ImageColumn(String name, boolean array, boolean video) implements Serializable {
    }

    /** The manifest has no image column: the caller can suggest naming one. */
    public static final class NoImageColumnException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        NoImageColumnException(String message) {
            super(message);
        }
    }

    /**
     * @param imageColumn the image column to use, or null for image_uri, image_uris and/or video_uri (a manifest may
     *                    have several, single-image rows filling one, multi-image rows another, video rows the third)
     * @param source      the manifest's name for messages
     */
    public static ManifestLayout of(StructType schema, String imageColumn, List<String> passthrough, String baseDir,
                                    String source) {
        List<String> names = Arrays.asList(schema.fieldNames());
        List<String> imageNames;
        if (imageColumn != null) {
            imageNames = List.of(require(schema, imageColumn, source));
        } else {
            imageNames = Stream.of(IMAGE_URI, IMAGE_URIS, VIDEO_URI).filter(names::contains).toList();
            if (imageNames.isEmpty()) {
                throw new NoImageColumnException("manifest " + source + " has no column " + IMAGE_URI
                        + " (string), " + IMAGE_URIS + " (array of strings) or " + VIDEO_URI + " (string); its"
                        + " columns are " + names);
            }
        }
        List<ImageColumn> images = new ArrayList<>();
        for (String name : imageNames) {
            images.add(imageColumn(schema, name, name.equals(VIDEO_URI), source));
        }
        return withImages(schema, images, passthrough, baseDir, source);
    }

    /**
     * A layout whose rows are videos, their URIs in {@code videoColumn} (a string column of any name), for callers
     * that name the column themselves (the Transformer's videoCol).
     */
    public static ManifestLayout ofVideos(StructType schema, String videoColumn, List<String> passthrough,
                                          String baseDir, String source) {
        require(schema, videoColumn, source);
        return withImages(schema, List.of(imageColumn(schema, videoColumn, true, source)), passthrough, baseDir,
                source);
    }

    /** The column, checked: a video column holds one URI string per row, an image column a string or an array. */
    private static ImageColumn imageColumn(StructType schema, String name, boolean video, String source) {
        DataType type = schema.apply(name).dataType();
        if (type instanceof StringType) {
            return new ImageColumn(name, false, video);
        }
        if (!video && type instanceof ArrayType at && at.elementType() instanceof StringType) {
            return new ImageColumn(name, true, false);
        }
        throw new IllegalArgumentException("manifest " + source + ": column " + name + (video
                ? " must be a string (one video per row), not " : " must be a string or an array of strings, not ")
                + type.simpleString());
    }

    private static ManifestLayout withImages(StructType schema, List<ImageColumn> images, List<String> passthrough,
                                             String baseDir, String source) {
        List<String> names = Arrays.asList(schema.fieldNames());
        for (String col : passthrough) {
            require(schema, col, source);
        }
        return new ManifestLayout(List.copyOf(names), List.copyOf(images),
                optional(schema, ITEM_ID, source, "string or integer", ManifestLayout::isStringOrInteger),
                optional(schema, TASK, source, "string", t -> t instanceof StringType),
                optional(schema, PROMPT, source, "string", t -> t instanceof StringType),
                messagesForm(schema, source), List.copyOf(passthrough), baseDir, source);
    }

    /** The same layout, ignoring any task column (for callers that fix the task themselves). */
    public ManifestLayout withoutTaskColumn() {
        return new ManifestLayout(columns, images, itemId, false, prompt, messages, passthrough, baseDir, source);
    }

    /** Checks that the placeholders of a task template name manifest columns. */
    public void checkPlaceholders(String taskName, List<String> placeholders) {
        for (String p : placeholders) {
            if (!columns.contains(p)) {
                throw new IllegalArgumentException("task " + taskName + " uses placeholder {" + p
                        + "}, but manifest " + source + " has no column " + p + "; its columns are " + columns);
            }
        }
    }

    /** The struct type of the passthrough columns, or null when none are passed through. */
    public StructType passthroughType(StructType schema) {
        if (passthrough.isEmpty()) {
            return null;
        }
        List<StructField> fields = new ArrayList<>();
        for (String c : passthrough) {
            StructField f = schema.apply(c);
            fields.add(new StructField(f.name(), f.dataType(), true, Metadata.empty()));
        }
        return new StructType(fields.toArray(new StructField[0]));
    }

    private static MessagesForm messagesForm(StructType schema, String source) {
        if (!Arrays.asList(schema.fieldNames()).contains(MESSAGES)) {
            return MessagesForm.NONE;
        }
        DataType t = schema.apply(MESSAGES).dataType();
        if (t instanceof StringType) {
            return MessagesForm.JSON;
        }
        if (t instanceof ArrayType at && at.elementType() instanceof StructType st
                && hasStringField(st, "role") && hasStringField(st, "content")) {
            return MessagesForm.STRUCTS;
        }
        throw new IllegalArgumentException("manifest " + source + ": column " + MESSAGES + " must be an array of"
                + " {role string, content string} structs or a JSON string of one, not " + t.simpleString());
    }

    private static boolean hasStringField(StructType st, String name) {
        return Arrays.asList(st.fieldNames()).contains(name) && st.apply(name).dataType() instanceof StringType;
    }

    // instanceof, not equality: a collated string (Spark 4) is a StringType of another class.
    private static boolean isStringOrInteger(DataType t) {
        return t instanceof StringType || t instanceof IntegerType || t instanceof LongType;
    }

    private static String require(StructType schema, String col, String source) {
        if (!Arrays.asList(schema.fieldNames()).contains(col)) {
            throw new IllegalArgumentException("manifest " + source + " has no column " + col + "; its columns are "
                    + Arrays.asList(schema.fieldNames()));
        }
        return col;
    }

    private static boolean optional(StructType schema, String col, String source, String expected,
                                    java.util.function.Predicate<DataType> allowed) {
        if (!Arrays.asList(schema.fieldNames()).contains(col)) {
            return false;
        }
        DataType t = schema.apply(col).dataType();
        if (!allowed.test(t)) {
            throw new IllegalArgumentException("manifest " + source + ": column " + col + " has type "
                    + t.simpleString() + ", expected " + expected);
        }
        return true;
    }
}
