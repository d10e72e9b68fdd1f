package org.phi3vspark.udf.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.phi3vspark.model.generate.json.TokenVocabulary;

/** The model cache with file: URIs (the same Hadoop code path as s3a://, without a server). */
class ModelCacheTest {

    static final Path TINY = Path.of(System.getProperty("phi3v.fixtures.dir", "../testdata/golden"))
            .resolve("checkpoints/tiny-f32");

    @TempDir
    Path tmp;

    private Configuration conf() {
        Configuration c = new Configuration(false);
        c.set(ModelCache.CACHE_DIR_KEY, tmp.resolve("cache").toString());
        return c;
    }

    private Path snapshot() throws IOException {
        Path snap = tmp.resolve("remote/phi3v");
        Files.createDirectories(snap.resolve("extra"));
        try (Stream<Path> files = Files.list(TINY)) {
            for (Path f : files.toList()) {
                Files.copy(f, snap.resolve(f.getFileName()));
            }
        }
        Files.writeString(snap.resolve("extra/notes.txt"), "sub folders are copied too");
        return snap;
    }

    @Test
    void remoteDetection() {
        assertTrue(ModelCache.isRemote("s3a://bucket/model/"));
        assertTrue(ModelCache.isRemote("hdfs://nn:8020/models/phi3v"));
        assertFalse(ModelCache.isRemote("/opt/models/phi3v"));
        assertFalse(ModelCache.isRemote("file:///opt/models/phi3v"));
        assertFalse(ModelCache.isRemote("models/phi3v"));
        assertEquals(Path.of("/opt/models/phi3v"), ModelCache.localDir("file:///opt/models/phi3v", conf()));
        assertEquals("s3a://bucket/m", ModelCache.redact("s3a://AKIA:s3cr3t@bucket/m"));
    }

    @Test
    void concurrentCallersShareOneCopyAndLaterCallsReuseIt() throws Exception {
        String uri = snapshot().toUri().toString();
        int before = ModelCache.copiesInThisJvm();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Path>> results = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            results.add(pool.submit(() -> {
                go.await();
                return ModelCache.ensureCopied(uri, conf());
            }));
        }
        go.countDown();
        Set<Path> dirs = new HashSet<>();
        for (Future<Path> f : results) {
            dirs.add(f.get());
        }
        pool.shutdown();
        assertEquals(1, dirs.size());
        assertEquals(1, ModelCache.copiesInThisJvm() - before, "four concurrent callers, one copy");
        Path copy = dirs.iterator().next();
        assertEquals(Files.size(TINY.resolve("model.safetensors")), Files.size(copy.resolve("model.safetensors")));
        assertEquals("sub folders are copied too", Files.readString(copy.resolve("extra/notes.txt")));
        assertEquals(copy, ModelCache.ensureCopied(uri, conf()));
        assertEquals(1, ModelCache.copiesInThisJvm() - before, "a later call reuses the copy");
        try (Stream<Path> s = Files.list(copy.getParent())) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".tmp-")), "no temporary folders");
        }
    }

    @Test
    void damagedCopyIsReplacedAndLeftoversAreRemoved() throws Exception {
        String uri = snapshot().toUri().toString();
        Path copy = ModelCache.ensureCopied(uri, conf());
        // A JVM that died mid-copy leaves a temporary folder; a file of the entry is truncated by hand.
        Path leftover = copy.getParent().resolve(".tmp-" + copy.getFileName() + "-dead");
        Files.createDirectories(leftover);
        Files.write(copy.resolve("model.safetensors"), new byte[10]);
        int before = ModelCache.copiesInThisJvm();
        assertEquals(copy, ModelCache.ensureCopied(uri, conf()));
        assertEquals(1, ModelCache.copiesInThisJvm() - before);
        assertEquals(Files.size(TINY.resolve("model.safetensors")), Files.size(copy.resolve("model.safetensors")));
        assertFalse(Files.exists(leftover));
    }

    @Test
    void changedSnapshotGetsANewEntry() throws Exception {
        Path snap = snapshot();
        Path first = ModelCache.ensureCopied(snap.toUri().toString(), conf());
        Files.writeString(snap.resolve("extra/notes.txt"), "changed, and longer than before");
        Path second = ModelCache.ensureCopied(snap.toUri().toString(), conf());
        assertNotEquals(first, second);
    }

    @Test
    void missingSnapshotOrConfigIsNamed() throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelCache.ensureCopied(tmp.resolve("nowhere").toUri().toString(), conf()));
        assertTrue(e.getMessage().contains("nowhere") && e.getMessage().contains("does not exist"), e.getMessage());
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.writeString(empty.resolve("model.safetensors"), "x");
        e = assertThrows(IllegalArgumentException.class,
                () -> ModelCache.ensureCopied(empty.toUri().toString(), conf()));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    }

    @Test
    void revisionFromHeadersEqualsTheFullCheckpointsWithoutCopying(@TempDir Path tmp) throws IOException {
        int copies = ModelCache.copiesInThisJvm();
        String expected;
        try (org.phi3vspark.model.io.Checkpoint ckpt = org.phi3vspark.model.io.Checkpoint.open(TINY)) {
            expected = ckpt.revision();
        }
        assertEquals(expected, ModelCache.withHeaders(TINY.toUri().toString(), new Configuration(),
                ModelCacheTest::revision));

        // a sharded snapshot: two shards and an index, as the real checkpoint is stored
        Path sharded = Files.createDirectories(tmp.resolve("sharded"));
        Files.copy(TINY.resolve("config.json"), sharded.resolve("config.json"));
        org.phi3vspark.model.io.SafetensorsWriter.create()
                .putFloat32("a.weight", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}).write(sharded.resolve("s1.safetensors"));
        org.phi3vspark.model.io.SafetensorsWriter.create()
                .putBf16("b.weight", new long[] {4}, new float[] {1, 2, 3, 4}).write(sharded.resolve("s2.safetensors"));
        Files.writeString(sharded.resolve("model.safetensors.index.json"),
                "{\"metadata\": {}, \"weight_map\": {\"a.weight\": \"s1.safetensors\", \"b.weight\": \"s2.safetensors\"}}");
        try (org.phi3vspark.model.io.Checkpoint ckpt = org.phi3vspark.model.io.Checkpoint.open(sharded)) {
            expected = ckpt.revision();
        }
        assertEquals(expected, ModelCache.withHeaders(sharded.toUri().toString(), new Configuration(),
                ModelCacheTest::revision));
        assertEquals(copies, ModelCache.copiesInThisJvm(), "no weights were copied");
    }

    @Test
    void oneFileIsReadThroughATemporaryCopy() {
        String uri = TINY.toUri().toString();
        TokenVocabulary direct = TokenVocabulary.load(TINY);
        assertEquals(direct.size(), ModelCache.withFile(uri, "tokenizer.json", new Configuration(),
                TokenVocabulary::load).size());
        Path[] copy = new Path[1];
        ModelCache.withFile(uri, "config.json", new Configuration(), p -> copy[0] = p);
        assertFalse(Files.exists(copy[0]), "the copy is deleted afterwards");
        var e = assertThrows(IllegalArgumentException.class, () -> ModelCache.withFile(uri, "nope.json",
                new Configuration(), p -> p));
        assertTrue(e.getMessage().contains("has no nope.json"), e.getMessage());
    }

    private static String revision(Path dir) {
        try (org.phi3vspark.model.io.Checkpoint ckpt = org.phi3vspark.model.io.Checkpoint.open(dir)) {
            return ckpt.revision();
        }
    }

    @Test
    void modelRefKeepsTheGivenLocationAndChecksTheConfig() throws IOException {
        ModelRef ref = ModelRef.resolve(TINY.toUri().toString(), new Configuration());
        assertEquals(TINY.toUri().toString(), ref.given(), "written to the model column as given");
        assertEquals(TINY.toAbsolutePath().normalize().toString(), ref.location());
        assertEquals(revision(TINY), ref.revision());
        assertFalse(ref.remote());

        Path broken = Files.createDirectories(tmp.resolve("broken"));
        Files.writeString(broken.resolve("config.json"), "{\"model_type\": \"llama\"}");
        var e = assertThrows(IllegalArgumentException.class, () -> ModelRef.resolve(broken.toString(),
                new Configuration()));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
        var missing = assertThrows(IllegalArgumentException.class, () -> ModelRef.resolve(
                tmp.resolve("nowhere").toString(), new Configuration()));
        assertTrue(missing.getMessage().contains("nowhere") && missing.getMessage().contains("config.json"),
                missing.getMessage());
    }
}
