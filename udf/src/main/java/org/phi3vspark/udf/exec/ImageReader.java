package org.phi3vspark.udf.exec;

import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options.OpenFileOptions;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.util.functional.FutureIO;
import org.phi3vspark.udf.row.ErrorStage;
import org.phi3vspark.udf.row.ImageFile;

/**
 * Reads image bytes through the Hadoop FileSystem API, so file://, hdfs:// and s3a:// URIs all work. It trusts the
 * planner's file status ({@link ImageFile}) instead of asking again: the length goes to the store as the
 * {@code fs.option.openfile.length} hint, which lets S3A open without another HEAD request.
 */
public final class ImageReader {

    private final Configuration conf;
    private final long maxBytes;
    private final String limit;

    /** @param limit the setting that gives maxBytes, named when a file is over it */
    public ImageReader(Configuration conf, long maxBytes, String limit) {
        this.conf = conf;
        this.maxBytes = maxBytes;
        this.limit = limit;
    }

    public byte[] read(ImageFile file) throws StageException {
        String uri = file.uri();
        if (file.problem() != null) {
            throw failure(uri, file.problem(), null);
        }
        if (file.length() == 0) {
            throw failure(uri, "the file is empty (0 bytes)", null);
        }
        if (file.length() > maxBytes) {
            throw failure(uri, file.length() + " bytes is over " + limit + "=" + maxBytes, null);
        }
        try {
            Path path = new Path(uri);
            FileSystem fs = path.getFileSystem(conf);
            try (InputStream in = FutureIO.awaitFuture(fs.openFile(path)
                    .opt(OpenFileOptions.FS_OPTION_OPENFILE_LENGTH, file.length())
                    .opt(OpenFileOptions.FS_OPTION_OPENFILE_READ_POLICY,
                            OpenFileOptions.FS_OPTION_OPENFILE_READ_POLICY_WHOLE_FILE)
                    .build())) {
                // At most one byte over the limit: a file that grew since it was stat-ed is still refused.
                byte[] bytes = in.readNBytes((int) Math.min(maxBytes + 1, Integer.MAX_VALUE - 8));
                if (bytes.length > maxBytes) {
                    throw failure(uri, "more than " + limit + "=" + maxBytes + " bytes", null);
                }
                return bytes;
            }
        } catch (StageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw failure(uri, ImageFile.problem(e), e);
        }
    }

    private static StageException failure(String uri, String why, Throwable cause) {
        return new StageException(ErrorStage.READ, "cannot read " + uri + ": " + why, cause);
    }
}
