package org.phi3vspark.jobs.s3;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;

/** Puts test data into buckets through the real S3A client. */
public final class S3TestData {

    public static final Path GOLDEN = Path.of(System.getProperty("phi3v.fixtures.dir", "../testdata/golden"));

    private S3TestData() {
    }

    /** A Hadoop configuration for the server; FileSystem instances are not cached, so no test sees a stale one. */
    public static Configuration conf(S3ProxyServer server) {
        Configuration conf = server.apply(new Configuration());
        conf.setBoolean("fs.s3a.impl.disable.cache", true);
        return conf;
    }

    /** Uploads every file of a local folder (not recursive) under {@code uri}. */
    public static void putFolder(Configuration conf, Path dir, String uri) throws IOException {
        org.apache.hadoop.fs.Path dest = new org.apache.hadoop.fs.Path(uri);
        try (FileSystem fs = dest.getFileSystem(conf); Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(f.toUri()),
                        new org.apache.hadoop.fs.Path(dest, f.getFileName().toString()));
            }
        }
    }

    public static void put(Configuration conf, byte[] bytes, String uri) throws IOException {
        org.apache.hadoop.fs.Path dest = new org.apache.hadoop.fs.Path(uri);
        try (FileSystem fs = dest.getFileSystem(conf); FSDataOutputStream out = fs.create(dest, true)) {
            out.write(bytes);
        }
    }

    public static void putText(Configuration conf, String text, String uri) throws IOException {
        put(conf, text.getBytes(StandardCharsets.UTF_8), uri);
    }

    public static boolean exists(Configuration conf, String uri) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
        try (FileSystem fs = p.getFileSystem(conf)) {
            return fs.exists(p);
        }
    }

    /** The smallest PNGs of the golden set, taken from its folder listing (works for any golden set). */
    public static List<Path> smallImages(int n) throws IOException {
        try (Stream<Path> files = Files.list(GOLDEN.resolve("images"))) {
            List<Path> small = files.filter(p -> p.toString().endsWith(".png"))
                    .sorted((a, b) -> Long.compare(a.toFile().length(), b.toFile().length()))
                    .limit(n).toList();
            if (small.size() < n) {
                throw new IllegalStateException("golden set " + GOLDEN + " has fewer than " + n + " PNG images");
            }
            return small;
        }
    }

    /** One JSON Lines manifest row. */
    public static String row(String itemId, String uri) {
        return "{\"item_id\": \"" + itemId + "\", \"image_uri\": \"" + uri + "\"}";
    }
}
