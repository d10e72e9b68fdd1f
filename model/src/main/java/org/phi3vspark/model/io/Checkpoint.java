package org.phi3vspark.model.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The weights of a Hugging Face model directory: {@code model.safetensors}, or
 * {@code model.safetensors.index.json} plus the shards its {@code weight_map} names (the single file
 * wins when both exist, as in transformers). Records which tensors were read so that a loader can
 * prove it consumed the whole checkpoint ({@link #checkAllUsed}).
 */
public final class Checkpoint implements AutoCloseable {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";
    public static final String CONFIG_FILE = "config.json";

    private final Path directory;
    private final List<SafetensorsFile> files;
    /** Sorted by name so that listings and the revision hash are stable. */
    private final Map<String, SafetensorsFile> owners;
    private final Set<String> used = ConcurrentHashMap.newKeySet();
    private volatile String revision;

    private Checkpoint(Path directory, List<SafetensorsFile> files, Map<String, SafetensorsFile> owners) {
        this.directory = directory;
        this.files = files;
        this.owners = owners;
    }

    public static Checkpoint open(Path modelDir) {
        if (!Files.isDirectory(modelDir)) {
            throw new CheckpointException("checkpoint directory " + modelDir + " does not exist or is not a directory");
        }
        Path single = modelDir.resolve(SINGLE_FILE);
        Path index = modelDir.resolve(INDEX_FILE);
        if (Files.exists(single)) {
            SafetensorsFile f = SafetensorsFile.open(single);
            Map<String, SafetensorsFile> owners = new TreeMap<>();
            f.tensors().keySet().forEach(n -> owners.put(n, f));
            return new Checkpoint(modelDir, List.of(f), Collections.unmodifiableMap(owners));
        }
        if (Files.exists(index)) {
            return openSharded(modelDir, index);
        }
        throw new CheckpointException("checkpoint directory " + modelDir + " has neither " + SINGLE_FILE + " nor "
                + INDEX_FILE);
    }

    private static Checkpoint openSharded(Path dir, Path index) {
        JsonObject root = JsonFiles.readObject(index);
        JsonElement mapJson = root.get("weight_map");
        if (mapJson == null || !mapJson.isJsonObject()) {
            throw new CheckpointException("index file " + index + " has no weight_map object");
        }
        Map<String, String> shardOf = new TreeMap<>();
        for (Map.Entry<String, JsonElement> e : mapJson.getAsJsonObject().entrySet()) {
            JsonElement v = e.getValue();
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                throw new CheckpointException("index file " + index + ": weight_map entry for tensor " + e.getKey()
                        + " is not a file name");
            }
            shardOf.put(e.getKey(), v.getAsString());
        }
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Path base = dir.toAbsolutePath().normalize();
        try {
            for (Map.Entry<String, String> e : shardOf.entrySet()) {
                String shardName = e.getValue();
                if (shards.containsKey(shardName)) {
                    continue;
                }
                Path shard = base.resolve(shardName).normalize();
                if (!base.equals(shard.getParent())) {
                    throw new CheckpointException("index file " + index + ": shard " + shardName
                            + " is not a file name inside the checkpoint directory");
                }
                if (!Files.isRegularFile(shard)) {
                    throw new CheckpointException("checkpoint " + dir + ": shard " + shardName + " does not exist ("
                            + INDEX_FILE + " maps tensor " + e.getKey() + " to it)");
                }
                shards.put(shardName, SafetensorsFile.open(shard));
            }
            Map<String, SafetensorsFile> owners = new TreeMap<>();
            for (Map.Entry<String, String> e : shardOf.entrySet()) {
                SafetensorsFile f = shards.get(e.getValue());
                if (!f.has(e.getKey())) {
                    throw new CheckpointException("checkpoint " + dir + ": " + INDEX_FILE + " maps tensor " + e.getKey()
                            + " to shard " + f.path() + ", which has no such tensor");
                }
                owners.put(e.getKey(), f);
            }
            return new Checkpoint(dir, List.copyOf(shards.values()), Collections.unmodifiableMap(owners));
        } catch (RuntimeException e) {
            shards.values().forEach(SafetensorsFile::close);
            throw e;
        }
    }

    public Path directory() {
        return directory;
    }

    /** All tensor names, sorted. */
    public Set<String> names() {
        return owners.keySet();
    }

    public boolean has(String name) {
        return owners.containsKey(name);
    }

    public TensorInfo info(String name) {
        return owner(name).info(name);
    }

    /**
     * Reads a float tensor as float32 (see {@link SafetensorsFile#readFloat32}) and marks it used.
     * With a non-empty {@code expectedShape} the stored shape must match exactly; an empty one skips
     * the check (varargs cannot tell "no check" from "scalar").
     */
    public FloatBuffer readFloat32(String name, long... expectedShape) {
        FloatBuffer data = withShape(name, expectedShape).readFloat32(name);
        used.add(name);
        return data;
    }

    /**
     * Elements [first, first + dst.remaining() / 4) of a float tensor as float32 into {@code dst} (see
     * {@link SafetensorsFile#readFloat32(String, long, java.nio.ByteBuffer)}); checks the shape like
     * {@link #readFloat32(String, long...)} and marks the tensor used.
     */
    public void readFloat32(String name, long first, java.nio.ByteBuffer dst, long... expectedShape) {
        withShape(name, expectedShape).readFloat32(name, first, dst);
        used.add(name);
    }

    /** The file holding {@code name}, after checking its shape (an empty {@code expected} skips the check). */
    private SafetensorsFile withShape(String name, long[] expected) {
        SafetensorsFile f = owner(name);
        long[] shape = f.info(name).shape();
        if (expected.length > 0 && !Arrays.equals(shape, expected)) {
            throw new CheckpointException("tensor " + name + " in file " + f.path() + " has shape "
                    + Arrays.toString(shape) + ", expected " + Arrays.toString(expected));
        }
        return f;
    }

    /** Integer tensor (e.g. a stored position_ids buffer), marked used. */
    public long[] readLongs(String name) {
        long[] data = owner(name).readLongs(name);
        used.add(name);
        return data;
    }

    /** Counts a tensor as consumed without reading it (e.g. a buffer the model recomputes). */
    public void markUsed(String name) {
        owner(name);
        used.add(name);
    }

    /** Throws listing every tensor that was neither read nor matched by {@code ignorable}. */
    public void checkAllUsed(Predicate<String> ignorable) {
        List<String> unused = new ArrayList<>();
        for (String name : owners.keySet()) {
            if (!used.contains(name) && (ignorable == null || !ignorable.test(name))) {
                unused.add(name);
            }
        }
        if (!unused.isEmpty()) {
            throw new CheckpointException("checkpoint " + directory + " has " + unused.size()
                    + " tensor(s) the model did not use: " + String.join(", ", unused));
        }
    }

    /**
     * Lower-case hex SHA-256 over the bytes of {@code config.json}, a zero byte, then one line
     * {@code name \t dtype \t [shape] \t byteSize \n} per tensor in name order. Cheap (no weight data is
     * hashed) yet changes when the architecture or any tensor's layout changes.
     */
    public String revision() {
        String r = revision;
        if (r == null) {
            r = computeRevision();
            revision = r;
        }
        return r;
    }

    private String computeRevision() {
        Path config = directory.resolve(CONFIG_FILE);
        byte[] configBytes;
        try {
            configBytes = Files.readAllBytes(config);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("checkpoint " + directory + " has no " + CONFIG_FILE + " (" + config + ")",
                    e);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + config + ": " + e, e);
        }
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
        md.update(configBytes);
        md.update((byte) 0);
        for (Map.Entry<String, SafetensorsFile> e : owners.entrySet()) {
            TensorInfo t = e.getValue().info(e.getKey());
            String line = t.name() + '\t' + t.dtype() + '\t' + t.shapeString() + '\t' + t.byteSize() + '\n';
            md.update(line.getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private SafetensorsFile owner(String name) {
        SafetensorsFile f = owners.get(name);
        if (f == null) {
            throw new CheckpointException("checkpoint " + directory + " has no tensor " + name);
        }
        return f;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }

    @Override
    public String toString() {
        return "Checkpoint[" + directory + ", " + owners.size() + " tensors in " + files.size() + " file(s)]";
    }
}
