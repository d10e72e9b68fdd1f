package org.phi3vspark.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import ai.djl.Device;

/** The golden reference set (public or hold-out) and the tiny models it was made with, loaded once per JVM. */
public final class GoldenSet {
    private static final ConcurrentHashMap<String, Phi3VModel> MODELS = new ConcurrentHashMap<>();

    private GoldenSet() {}

    public static Path root() {
        return Path.of(System.getProperty("phi3v.golden.dir", "../testdata/golden"));
    }

    /**
     * The repository's own copy of the public set (testdata/golden): tiny checkpoints and images for tests that
     * are not comparisons with the reference, so that pointing phi3v.golden.dir at another set changes only the
     * golden comparisons.
     */
    public static Path fixtures() {
        return Path.of(System.getProperty("phi3v.fixtures.dir", "../testdata/golden"));
    }

    public static Path fixtureCheckpoint(String name) {
        return fixtures().resolve("checkpoints").resolve(name);
    }

    public static Path fixtureImage(String name) {
        return fixtures().resolve("images").resolve(name);
    }

    /** Shared model loaded from the repository's fixtures (not from the swappable golden set). */
    public static Phi3VModel fixtureModel(String checkpointName) {
        return MODELS.computeIfAbsent("fixture:" + checkpointName,
                n -> Phi3VModel.load(fixtureCheckpoint(checkpointName), Device.cpu()));
    }

    public static Path checkpoint(String name) {
        return root().resolve("checkpoints").resolve(name);
    }

    /** Shared model per checkpoint: loading is the slow part and models are read-only. */
    public static Phi3VModel model(String checkpointName) {
        return model(checkpointName, Phi3VModel.Options.defaults(Device.cpu()));
    }

    /** Shared model per checkpoint and load options. */
    public static Phi3VModel model(String checkpointName, Phi3VModel.Options options) {
        return MODELS.computeIfAbsent(checkpointName + " " + options,
                n -> Phi3VModel.load(checkpoint(checkpointName), Device.cpu(), options));
    }

    public static List<Path> caseDirs() {
        try (Stream<Path> dirs = Files.list(root().resolve("cases"))) {
            return dirs.filter(d -> Files.exists(d.resolve("case.json"))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonObject json(Path file) {
        try {
            return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static long[] longs(JsonElement element) {
        JsonArray array = element.getAsJsonArray();
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).getAsLong();
        }
        return out;
    }

    public static int[] ints(JsonElement element) {
        JsonArray array = element.getAsJsonArray();
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).getAsInt();
        }
        return out;
    }

    public static List<String> strings(JsonElement element) {
        return element.getAsJsonArray().asList().stream().map(JsonElement::getAsString).toList();
    }
}
