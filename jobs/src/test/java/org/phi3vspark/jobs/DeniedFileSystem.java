package org.phi3vspark.jobs;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.security.AccessControlException;

/**
 * Scheme {@code denied:}: local files whose metadata is visible but whose bytes may not be read, as an HDFS or
 * S3 store answers for a file without read permission (tests run as root, where chmod 000 does not deny).
 */
public final class DeniedFileSystem extends RawLocalFileSystem {

    @Override
    public URI getUri() {
        return URI.create("denied:///");
    }

    @Override
    public String getScheme() {
        return "denied";
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        throw new AccessControlException("Permission denied: user=test, access=READ, inode=" + f);
    }
}
