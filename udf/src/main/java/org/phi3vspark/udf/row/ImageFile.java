package org.phi3vspark.udf.row;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.security.AccessControlException;

/**
 * One image of a work item as the planner found it: its qualified URI and the one file-status call made for it
 * (on S3, one HEAD request). The content key is made from it, and the reader trusts it instead of asking again.
 *
 * @param length   bytes, or null when the file could not be stat-ed
 * @param modified modification time (ms), or null when the file could not be stat-ed
 * @param problem  why the file cannot be read ("file not found", "it is a directory", ...), or null
 */
public record ImageFile(String uri, Long length, Long modified, String problem) implements java.io.Serializable {

    /** Stats {@code uri}; never throws: a file that cannot be stat-ed is an ImageFile with a problem. */
    public static ImageFile stat(String uri, Configuration conf) {
        try {
            Path p = new Path(uri);
            FileStatus st = p.getFileSystem(conf).getFileStatus(p);
            return new ImageFile(uri, st.getLen(), st.getModificationTime(),
                    st.isDirectory() ? "it is a directory" : null);
        } catch (IOException | RuntimeException e) {
            return new ImageFile(uri, null, null, problem(e));
        }
    }

    /** Whether the file existed when it was stat-ed (the content key tells a missing file from an unreadable one). */
    public boolean missing() {
        return "file not found".equals(problem);
    }

    /** What a failed stat or read says about the file, in words: the reason part of an error row's message. */
    public static String problem(Exception e) {
        if (e instanceof FileNotFoundException) {
            return "file not found";
        }
        if (e instanceof AccessControlException || e instanceof AccessDeniedException) {
            return "permission denied";
        }
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return msg.contains("Permission denied") ? "permission denied" : msg;
    }
}
