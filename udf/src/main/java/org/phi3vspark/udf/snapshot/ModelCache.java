package org.phi3vspark.udf.snapshot;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.phi3vspark.model.io.Checkpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local copies of remote model snapshots (s3a://, hdfs://, ... in the Hugging Face layout), one per machine and
 * snapshot content. A copy is made once: the first caller downloads into a temporary folder next to the cache
 * entry, checks every file's size against the remote listing and renames the folder into place, so readers
 * never see a half-copied model. Callers in the same JVM wait on an in-JVM lock and callers in other JVMs on the
 * same machine (other executors, the driver) wait on a file lock, then reuse the finished copy. The entry name
 * is a hash of the URI and of every file's name, size and modification time, so a changed snapshot gets a new
 * copy and an unchanged one is reused by later runs.
 */
public final class ModelCache {

    /**
     * Hadoop configuration key (so {@code spark.hadoop.phi3v.model.cache.dir} on the command line) naming the cache
     * folder on each node. Default: {@code <java.io.tmpdir>/phi3v-model-cache}.
     */
    public static final String CACHE_DIR_KEY = "phi3v.model.cache.dir";

    private static final Logger LOG = LoggerFactory.getLogger(ModelCache.class);
    private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();
    private static final AtomicInteger COPIES = new AtomicInteger();
    private static final String TMP_PREFIX = ".tmp-";

    private ModelCache() {
    }

    /** One file of a snapshot: path relative to the snapshot root, size and modification time. */
    private record Entry(String relative, long size, long modified) {
    }

    /** True for a URI with a scheme other than {@code file} (a local path or file: URI is loaded in place). */
    public static boolean isRemote(String model) {
        String scheme = scheme(model);
        return scheme != null && !scheme.equalsIgnoreCase("file");
    }

    /**
     * The local folder to load {@code model} from: the folder itself for a local path or file: URI, else the cache
     * entry for the remote snapshot, copied first if this machine has no complete copy yet.
     */
    public static Path localDir(String model, Configuration conf) {
        if (!isRemote(model)) {
            return model.startsWith("file:") ? Path.of(URI.create(model)) : Path.of(model);
        }
        return ensureCopied(model, conf);
    }

    /**
     * Runs {@code inspect} on a local mirror of a snapshot's headers on any Hadoop file system, without copying its
     * weights: config.json, the shard index and each safetensors file's header (the rest of each file is a sparse
     * hole of the same length), which is all that the revision and the config checks read. The mirror is deleted
     * afterwards. The driver uses this for remote models, so only the executors copy the multi-GB snapshot.
     */
    public static <T> T withHeaders(String model, Configuration conf, java.util.function.Function<Path, T> inspect) {
        String shown = redact(model);
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(model);
        Path mirror = null;
        try {
            FileSystem fs = root.getFileSystem(conf);
            List<Entry> listing = list(fs, root);
            if (listing.stream().noneMatch(f -> f.relative().equals("config.json"))) {
                throw new IllegalArgumentException("model " + shown + " has no config.json (expected a"
                        + " microsoft/Phi-3.5-vision-instruct snapshot)");
            }
            mirror = Files.createTempDirectory("phi3v-model-header-");
            for (Entry e : listing) {
                String name = e.relative();
                if (name.contains("/")) {
                    continue; // the revision and the config read top-level files only
                }
                org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(root, name);
                if (name.equals(Checkpoint.CONFIG_FILE) || name.equals(Checkpoint.INDEX_FILE)) {
                    try (var in = fs.open(remote)) {
                        Files.copy(in, mirror.resolve(name));
                    }
                } else if (name.endsWith(".safetensors")) {
                    mirrorHeader(fs, remote, e.size(), mirror.resolve(name));
                }
            }
            return inspect.apply(mirror);
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("model " + shown + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the header of model " + shown + ": " + e.getMessage(), e);
        } finally {
            if (mirror != null) {
                try {
                    deleteTree(mirror);
                } catch (IOException e) {
                    // a temporary folder left behind is harmless
                }
            }
        }
    }

    /**
     * Runs {@code read} on a temporary local copy of one top-level file of a snapshot on any Hadoop file system
     * (the driver reads a remote model's tokenizer.json this way); the copy is deleted afterwards.
     */
    public static <T> T withFile(String model, String name, Configuration conf,
                                 java.util.function.Function<Path, T> read) {
        String shown = redact(model);
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path(model), name);
        Path dir = null;
        try {
            dir = Files.createTempDirectory("phi3v-model-file-");
            try (var in = remote.getFileSystem(conf).open(remote)) {
                Files.copy(in, dir.resolve(name));
            }
            return read.apply(dir.resolve(name));
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("model " + shown + " has no " + name, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name + " of model " + shown + ": " + e.getMessage(), e);
        } finally {
            if (dir != null) {
                try {
                    deleteTree(dir);
                } catch (IOException e) {
                    // a temporary folder left behind is harmless
                }
            }
        }
    }

    /** The first 8 + header-length bytes of a safetensors file, in a sparse local file of the same length. */
    private static void mirrorHeader(FileSystem fs, org.apache.hadoop.fs.Path remote, long size, Path local)
            throws IOException {
        try (var in = fs.open(remote); var out = new java.io.RandomAccessFile(local.toFile(), "rw")) {
            byte[] lengthField = new byte[8];
            if (size >= 8) {
                in.readFully(0, lengthField);
                long headerLength = java.nio.ByteBuffer.wrap(lengthField).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
                // a bad length is left for the checkpoint reader to report, naming the file
                if (headerLength > 0 && headerLength <= Math.min(size - 8, 100L << 20)) {
                    byte[] header = new byte[(int) headerLength];
                    in.readFully(8, header);
                    out.write(lengthField);
                    out.write(header);
                } else {
                    out.write(lengthField);
                }
            }
            out.setLength(size);
        }
    }

    /** Copies made by this JVM since it started (a reused cache entry is not a copy). */
    public static int copiesInThisJvm() {
        return COPIES.get();
    }

    /** The cache folder that {@code conf} selects. */
    public static Path cacheRoot(Configuration conf) {
        String dir = conf.get(CACHE_DIR_KEY);
        Path root = dir == null || dir.isBlank()
                ? Path.of(System.getProperty("java.io.tmpdir"), "phi3v-model-cache")
                : Path.of(dir.trim());
        return root.toAbsolutePath().normalize();
    }

    /** Copies any Hadoop URI (file: included) into the cache unless a complete copy exists; returns the copy. */
    public static Path ensureCopied(String model, Configuration conf) {
        String shown = redact(model);
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(model);
        FileSystem fs;
        List<Entry> listing;
        try {
            fs = root.getFileSystem(conf);
            listing = list(fs, root);
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("model " + shown + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list model " + shown + ": " + e.getMessage(), e);
        }
        if (listing.stream().noneMatch(f -> f.relative().equals("config.json"))) {
            throw new IllegalArgumentException("model " + shown + " has no config.json (expected a"
                    + " microsoft/Phi-3.5-vision-instruct snapshot)");
        }
        Path cacheRoot = cacheRoot(conf);
        Path target = cacheRoot.resolve(entryName(shown, listing));
        if (complete(target, listing)) {
            return target;
        }
        ReentrantLock jvmLock = LOCKS.computeIfAbsent(target, k -> new ReentrantLock());
        jvmLock.lock();
        try {
            Files.createDirectories(cacheRoot);
            // A FileChannel lock is held per JVM, so threads of one JVM take the in-JVM lock first.
            try (FileChannel ch = FileChannel.open(cacheRoot.resolve(target.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                if (complete(target, listing)) {
                    return target;
                }
                copy(fs, root, shown, listing, cacheRoot, target);
                return target;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy model " + shown + " to the local cache " + target
                    + " (set spark.hadoop." + CACHE_DIR_KEY + " to a folder with room): " + e.getMessage(), e);
        } finally {
            jvmLock.unlock();
        }
    }

    private static void copy(FileSystem fs, org.apache.hadoop.fs.Path root, String shown, List<Entry> listing,
                             Path cacheRoot, Path target) throws IOException {
        removeLeftovers(cacheRoot, target);
        long t0 = System.nanoTime();
        Path tmp = cacheRoot.resolve(TMP_PREFIX + target.getFileName() + "-" + UUID.randomUUID());
        boolean done = false;
        try {
            long bytes = 0;
            for (Entry f : listing) {
                Path local = tmp.resolve(f.relative()).normalize();
                if (!local.startsWith(tmp)) {
                    throw new IOException("model file name " + f.relative() + " leaves the snapshot folder");
                }
                Files.createDirectories(local.getParent());
                org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(root, f.relative());
                try (InputStream in = fs.open(remote)) {
                    Files.copy(in, local);
                }
                long got = Files.size(local);
                if (got != f.size()) {
                    throw new IOException("copied " + got + " bytes of " + shown + "/" + f.relative() + ", listed as "
                            + f.size() + " bytes");
                }
                bytes += got;
            }
            if (Files.exists(target)) {
                // An incomplete entry (files deleted by hand): move it out of the way before the rename.
                Files.move(target, cacheRoot.resolve(TMP_PREFIX + target.getFileName() + "-stale-"
                        + UUID.randomUUID()));
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the cache folder " + cacheRoot + " does not support atomic renames", e);
            }
            done = true;
            COPIES.incrementAndGet();
            LOG.info("copied model {} ({} files, {} bytes) to {} in {} ms", shown, listing.size(), bytes, target,
                    (System.nanoTime() - t0) / 1_000_000);
        } finally {
            if (!done) {
                deleteTree(tmp);
            }
        }
        removeLeftovers(cacheRoot, target);
    }

    /** Temporary folders of this entry left by a JVM that died mid-copy; safe to delete under the file lock. */
    private static void removeLeftovers(Path cacheRoot, Path target) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(cacheRoot,
                TMP_PREFIX + target.getFileName() + "-*")) {
            for (Path p : ds) {
                deleteTree(p);
            }
        }
    }

    private static boolean complete(Path target, List<Entry> listing) {
        if (!Files.isDirectory(target)) {
            return false;
        }
        try {
            for (Entry f : listing) {
                Path local = target.resolve(f.relative());
                if (!Files.isRegularFile(local) || Files.size(local) != f.size()) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static List<Entry> list(FileSystem fs, org.apache.hadoop.fs.Path root) throws IOException {
        org.apache.hadoop.fs.Path qualified = fs.makeQualified(root);
        String prefix = qualified.toUri().getPath();
        if (!prefix.endsWith("/")) {
            prefix += "/";
        }
        List<Entry> out = new ArrayList<>();
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(qualified, true);
        while (it.hasNext()) {
            LocatedFileStatus st = it.next();
            String path = st.getPath().toUri().getPath();
            if (!path.startsWith(prefix)) {
                throw new IOException("listing of " + qualified + " returned " + st.getPath() + " outside it");
            }
            out.add(new Entry(path.substring(prefix.length()), st.getLen(), st.getModificationTime()));
        }
        out.sort(Comparator.comparing(Entry::relative));
        return out;
    }

    /** Readable and unique: the snapshot's last path element, then a hash of the URI and the listing. */
    private static String entryName(String uri, List<Entry> listing) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(uri.replaceAll("/+$", "").getBytes(StandardCharsets.UTF_8));
            for (Entry f : listing) {
                String line = "\n" + f.relative() + "\t" + f.size() + "\t" + f.modified();
                md.update(line.getBytes(StandardCharsets.UTF_8));
            }
            String hash = HexFormat.of().formatHex(md.digest()).substring(0, 20);
            String name = new org.apache.hadoop.fs.Path(uri).getName().replaceAll("[^A-Za-z0-9._-]", "_");
            return (name.isEmpty() || name.startsWith(".") ? "model" : name) + "-" + hash;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String scheme(String s) {
        int colon = s.indexOf(':');
        if (colon < 2) {
            // No scheme, or a Windows drive letter.
            return null;
        }
        String scheme = s.substring(0, colon);
        return scheme.matches("[a-zA-Z][a-zA-Z0-9+.-]*") ? scheme : null;
    }

    /** The URI without user info, which can hold credentials and must never reach a log or a message. */
    public static String redact(String uri) {
        return uri.replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", "$1");
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
