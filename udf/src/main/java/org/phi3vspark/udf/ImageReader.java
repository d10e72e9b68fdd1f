package org.phi3vspark.udf;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.security.AccessControlException;

/** Reads image bytes through the Hadoop FileSystem API, so file://, hdfs:// and s3a:// URIs all work. */
public final class ImageReader {

    private final Configuration conf;
    private final long maxBytes;

    public ImageReader(Configuration conf, long maxBytes) {
        this.conf = conf;
        this.maxBytes = maxBytes;
    }

    public byte[] read(String uri) throws StageException {
        try {
            Path path = new Path(uri);
            FileSystem fs = path.getFileSystem(conf);
            FileStatus st = fs.getFileStatus(path);
            if (st.isDirectory()) {
                throw new StageException(ErrorStage.READ, "cannot read " + uri + ": it is a directory", null);
            }
            if (st.getLen() == 0) {
                throw new StageException(ErrorStage.READ, "cannot read " + uri + ": the file is empty (0 bytes)", null);
            }
            if (st.getLen() > maxBytes) {
                throw new StageException(ErrorStage.READ, "cannot read " + uri + ": " + st.getLen()
                        + " bytes is over spark.phi3v.maxImageBytes=" + maxBytes, null);
            }
            try (InputStream in = fs.open(path)) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream((int) st.getLen());
                in.transferTo(buf);
                return buf.toByteArray();
            }
        } catch (StageException e) {
            throw e;
        } catch (FileNotFoundException e) {
            throw new StageException(ErrorStage.READ, "cannot read " + uri + ": file not found", e);
        } catch (AccessControlException | AccessDeniedException e) {
            throw new StageException(ErrorStage.READ, "cannot read " + uri + ": permission denied", e);
        } catch (IOException | RuntimeException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            String why = msg.contains("Permission denied") ? "permission denied" : msg;
            throw new StageException(ErrorStage.READ, "cannot read " + uri + ": " + why, e);
        }
    }
}
