package org.phi3vspark.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;
import org.phi3vspark.udf.plan.ManifestLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code --input}: a Parquet, CSV or JSON Lines manifest (file or folder), or a folder/prefix of images and
 * videos (each image one item in {@code image_uri}, each video one in {@code video_uri}). In CSV,
 * {@code image_uris} holds several URIs separated by {@code |}.
 */
public final class ManifestReader {

    private static final Logger LOG = LoggerFactory.getLogger(ManifestReader.class);
    /** Extensions the image decoder reads; other files in an image folder are skipped. */
    public static final Set<String> IMAGE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "gif", "bmp", "webp");
    /** Extensions of the videos a folder input picks up (MP4 / QuickTime containers, which the video decoder reads). */
    public static final Set<String> VIDEO_EXTENSIONS = Set.of("mp4", "mov", "m4v");
    /** Separator of several URIs in one CSV cell. */
    public static final String CSV_URI_SEPARATOR = "|";

    private static final StructType IMAGE_LIST = new StructType().add(ManifestLayout.IMAGE_URI, DataTypes.StringType);
    /** A folder's files: each row fills one of the two columns. */
    private static final StructType MEDIA_LIST = IMAGE_LIST.add(ManifestLayout.VIDEO_URI, DataTypes.StringType);

    private ManifestReader() {
    }

    public static Manifest read(SparkSession spark, String input, InputFormat format) {
        Path path = new Path(input);
        FileSystem fs;
        FileStatus status;
        try {
            fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
            path = fs.makeQualified(path);
            status = fs.getFileStatus(path);
        } catch (java.io.FileNotFoundException e) {
            throw new IllegalArgumentException("input " + input + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot access input " + input, e);
        }
        InputFormat f = format == InputFormat.AUTO ? detect(fs, status) : format;
        String baseDir = (status.isDirectory() ? path : path.getParent()).toString();
        String source = path.toString();
        return switch (f) {
            case IMAGES -> new Manifest(listMedia(spark, fs, path), path.toString(), source, f, false);
            case PARQUET -> table(spark.read().parquet(source), baseDir, source, f);
            case JSONL -> table(spark.read().option("mode", "FAILFAST").json(source), baseDir, source, f);
            case CSV -> table(csv(spark.read().option("header", "true").option("mode", "FAILFAST").csv(source)),
                    baseDir, source, f);
            case AUTO -> throw new IllegalStateException("unreachable");
        };
    }

    private static Manifest table(Dataset<Row> df, String baseDir, String source, InputFormat f) {
        if (df.schema().isEmpty()) {
            return new Manifest(df.sparkSession().createDataFrame(List.of(), IMAGE_LIST), baseDir, source, f, true);
        }
        return new Manifest(df, baseDir, source, f, false);
    }

    /** CSV has no arrays: an image_uris text column is split on '|'. */
    private static Dataset<Row> csv(Dataset<Row> df) {
        List<String> cols = List.of(df.columns());
        if (cols.contains(ManifestLayout.IMAGE_URIS)
                && df.schema().apply(ManifestLayout.IMAGE_URIS).dataType() instanceof StringType) {
            return df.withColumn(ManifestLayout.IMAGE_URIS, functions.split(
                    functions.col(ManifestLayout.IMAGE_URIS), java.util.regex.Pattern.quote(CSV_URI_SEPARATOR)));
        }
        return df;
    }

    static InputFormat detect(FileSystem fs, FileStatus status) {
        if (!status.isDirectory()) {
            InputFormat f = byExtension(status.getPath().getName());
            if (f == null) {
                throw new IllegalArgumentException("cannot tell the format of input " + status.getPath()
                        + " from its extension; pass --input-format parquet|csv|jsonl|images");
            }
            return f;
        }
        // A folder is a table when its (first 1000) visible files are table files and none is an image; a
        // folder of images may hold a stray .json or .csv (image metadata) and is still a folder of images.
        InputFormat table = null;
        int images = 0;
        try {
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(status.getPath(), true);
            for (int seen = 0; it.hasNext() && seen < 1000; seen++) {
                Path file = it.next().getPath();
                if (hidden(status.getPath(), file)) {
                    continue;
                }
                InputFormat f = byExtension(file.getName());
                if (f == InputFormat.IMAGES) {
                    images++;
                } else if (f != null && table == null) {
                    table = f;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list input folder " + status.getPath(), e);
        }
        return table != null && images == 0 ? table : InputFormat.IMAGES;
    }

    private static InputFormat byExtension(String name) {
        String ext = extension(name);
        return switch (ext) {
            case "parquet" -> InputFormat.PARQUET;
            case "csv" -> InputFormat.CSV;
            case "jsonl", "json", "ndjson" -> InputFormat.JSONL;
            default -> isMedia(ext) ? InputFormat.IMAGES : null;
        };
    }

    /** An extension a folder input reads: an image or a video. */
    private static boolean isMedia(String ext) {
        return IMAGE_EXTENSIONS.contains(ext) || VIDEO_EXTENSIONS.contains(ext);
    }

    private static String extension(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /**
     * Recursive listing on the driver, in path order: an image becomes an image_uri row, a video a video_uri row;
     * hidden files (. or _ prefix) are skipped, and so are other extensions, said in a warning (a .mkv that
     * silently gives no row would look like lost data).
     */
    private static Dataset<Row> listMedia(SparkSession spark, FileSystem fs, Path root) {
        List<Path> files = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        try {
            if (fs.getFileStatus(root).isFile()) {
                files.add(root);
            } else {
                RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
                while (it.hasNext()) {
                    Path p = it.next().getPath();
                    if (hidden(root, p)) {
                        continue;
                    }
                    if (isMedia(extension(p.getName()))) {
                        files.add(p);
                    } else {
                        skipped.add(p.getName());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list images and videos under " + root, e);
        }
        if (!skipped.isEmpty()) {
            LOG.warn("{}: skipped {} file(s) that are neither images ({}) nor videos ({}), e.g. {}", root,
                    skipped.size(), String.join(", ", IMAGE_EXTENSIONS.stream().sorted().toList()),
                    String.join(", ", VIDEO_EXTENSIONS.stream().sorted().toList()),
                    String.join(", ", skipped.subList(0, Math.min(3, skipped.size()))));
        }
        files.sort(java.util.Comparator.comparing(Path::toString));
        List<Row> rows = files.stream().map(p -> VIDEO_EXTENSIONS.contains(extension(p.getName()))
                ? RowFactory.create(null, p.toString()) : RowFactory.create(p.toString(), null)).toList();
        return spark.createDataFrame(rows, MEDIA_LIST);
    }

    private static boolean hidden(Path root, Path file) {
        for (Path p = file; p != null && !p.equals(root); p = p.getParent()) {
            if (p.getName().startsWith(".") || p.getName().startsWith("_")) {
                return true;
            }
        }
        return false;
    }
}
