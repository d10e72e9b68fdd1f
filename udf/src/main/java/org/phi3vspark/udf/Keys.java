package org.phi3vspark.udf;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.phi3vspark.udf.task.GenerationSettings;

/**
 * Identity of inputs and requests across runs.
 *
 * <p>The content key hashes, for each image, its URI, length and modification time as reported by the Hadoop
 * FileSystem: one metadata call per file (no bytes read), available on every store (file, HDFS, S3 object
 * Last-Modified), and it changes whenever a file is replaced. A file that is only touched gets a new key and is
 * processed again; that costs compute, never correctness. A file that cannot be stat-ed gets a key marked
 * "missing" so that it is retried on every run until it appears.
 */
public final class Keys {

    private Keys() {
    }

    public static String contentKey(List<String> uris, Configuration conf) {
        StringBuilder sb = new StringBuilder();
        for (String uri : uris) {
            sb.append(uri).append('\t');
            try {
                Path p = new Path(uri);
                FileStatus st = p.getFileSystem(conf).getFileStatus(p);
                sb.append(st.getLen()).append('\t').append(st.getModificationTime());
            } catch (FileNotFoundException e) {
                sb.append("missing");
            } catch (IOException | RuntimeException e) {
                sb.append("unreadable");
            }
            sb.append('\n');
        }
        return sha256(sb.toString());
    }

    public static String requestKey(String contentKey, String task, String prompt, int numCrops,
                                    GenerationSettings g, String modelRevision) {
        return sha256(String.join("\u0000", contentKey, task, prompt, Integer.toString(numCrops), g.canonical(),
                modelRevision == null ? "" : modelRevision));
    }

    /** Item id for manifests without one: a short stable hash of the URIs (the URIs are in image_uris anyway). */
    public static String derivedItemId(List<String> uris) {
        return sha256(String.join("\n", uris)).substring(0, 16);
    }

    public static String sha256(String text) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
