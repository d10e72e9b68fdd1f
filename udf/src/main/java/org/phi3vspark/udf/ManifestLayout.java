package org.phi3vspark.udf;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Where the manifest's columns are, checked on the driver: a wrong manifest fails here, naming the column,
 * before any executor starts.
 *
 * @param columns     every column name (placeholders in prompt templates refer to these)
 * @param images      index of the image column
 * @param imagesArray whether the image column is an array of URIs (else a single URI string)
 * @param itemId      index of item_id, or -1
 * @param task        index of task, or -1
 * @param prompt      index of prompt, or -1
 * @param passthrough indices of the columns copied to the output
 * @param baseDir     directory that relative URIs are resolved against, or null
 */
public record ManifestLayout(List<String> columns, int images, boolean imagesArray, int itemId, int task,
                             int prompt, List<Integer> passthrough, String baseDir, String source)
        implements Serializable {

    public static final String IMAGE_URI = "image_uri";
    public static final String IMAGE_URIS = "image_uris";
    public static final String ITEM_ID = "item_id";
    public static final String TASK = "task";
    public static final String PROMPT = "prompt";

    /**
     * @param imageColumn the image column to use, or null for image_uri / image_uris
     * @param source      the manifest's name for messages
     */
    public static ManifestLayout of(StructType schema, String imageColumn, List<String> passthrough, String baseDir,
                                    String source) {
        List<String> names = Arrays.asList(schema.fieldNames());
        int images;
        if (imageColumn != null) {
            images = require(schema, imageColumn, source);
        } else {
            int one = names.indexOf(IMAGE_URI);
            int many = names.indexOf(IMAGE_URIS);
            if (one >= 0 && many >= 0) {
                throw new IllegalArgumentException("manifest " + source + " has both columns " + IMAGE_URI + " and "
                        + IMAGE_URIS + "; keep one");
            }
            if (one < 0 && many < 0) {
                throw new IllegalArgumentException("manifest " + source + " has no column " + IMAGE_URI + " (string) or "
                        + IMAGE_URIS + " (array of strings); its columns are " + names);
            }
            images = one >= 0 ? one : many;
        }
        StructField img = schema.fields()[images];
        boolean array;
        if (img.dataType() instanceof StringType) {
            array = false;
        } else if (img.dataType() instanceof ArrayType at && at.elementType() instanceof StringType) {
            array = true;
        } else {
            throw new IllegalArgumentException("manifest " + source + ": column " + img.name()
                    + " must be a string or an array of strings, not " + img.dataType().simpleString());
        }
        int itemId = optional(schema, ITEM_ID, source, DataTypes.StringType, DataTypes.IntegerType, DataTypes.LongType);
        int task = optional(schema, TASK, source, DataTypes.StringType);
        int prompt = optional(schema, PROMPT, source, DataTypes.StringType);
        List<Integer> pass = new ArrayList<>();
        for (String col : passthrough) {
            pass.add(require(schema, col, source));
        }
        return new ManifestLayout(List.copyOf(names), images, array, itemId, task, prompt, List.copyOf(pass), baseDir,
                source);
    }

    /** The same layout, ignoring any task column (for callers that fix the task themselves). */
    public ManifestLayout withoutTaskColumn() {
        return new ManifestLayout(columns, images, imagesArray, itemId, -1, prompt, passthrough, baseDir, source);
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
        StructType t = new StructType();
        for (int i : passthrough) {
            StructField f = schema.fields()[i];
            t = t.add(new StructField(f.name(), f.dataType(), true, Metadata.empty()));
        }
        return t;
    }

    private static int require(StructType schema, String col, String source) {
        int i = Arrays.asList(schema.fieldNames()).indexOf(col);
        if (i < 0) {
            throw new IllegalArgumentException("manifest " + source + " has no column " + col + "; its columns are "
                    + Arrays.asList(schema.fieldNames()));
        }
        return i;
    }

    private static int optional(StructType schema, String col, String source, DataType... allowed) {
        int i = Arrays.asList(schema.fieldNames()).indexOf(col);
        if (i < 0) {
            return -1;
        }
        DataType t = schema.fields()[i].dataType();
        for (DataType a : allowed) {
            // instanceof, not class equality: a collated string (Spark 4) is a StringType of another class.
            if (a.getClass() == t.getClass() || (a instanceof StringType && t instanceof StringType)
                    || (a instanceof IntegerType && t instanceof IntegerType)
                    || (a instanceof LongType && t instanceof LongType)) {
                return i;
            }
        }
        throw new IllegalArgumentException("manifest " + source + ": column " + col + " has type "
                + t.simpleString() + ", expected " + Arrays.stream(allowed).map(DataType::simpleString).toList());
    }
}
