package org.phi3vspark.udf.snapshot;

import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.phi3vspark.model.config.ModelConfig;
import org.phi3vspark.model.generate.json.TokenVocabulary;
import org.phi3vspark.model.io.Checkpoint;

/**
 * Which model a run uses, resolved once on the driver and carried to the executors: the location as the user gave
 * it, where it is (an absolute local folder, or a remote snapshot URI), and its revision. {@link #resolve} checks
 * that it is a loadable Phi-3.5-vision snapshot before any executor starts; {@link #localDir} is where an executor
 * loads it from.
 *
 * @param given    the location as given ({@code --model}); written to the {@code model} column
 * @param location an absolute local folder, or the remote URI (s3a://, hdfs://, ...)
 * @param revision {@link Checkpoint#revision()}: sha256 over config.json and the weight index
 */
public record ModelRef(String given, String location, String revision) implements Serializable {

    private static final String TOKENIZER_FILE = "tokenizer.json";

    /**
     * Checks the snapshot and reads its revision. A remote snapshot is inspected through its headers only
     * ({@link ModelCache#withHeaders}); executors copy its weights into their machine's model cache.
     */
    public static ModelRef resolve(String model, Configuration conf) {
        if (ModelCache.isRemote(model)) {
            return new ModelRef(model, model, ModelCache.withHeaders(model, conf, dir -> inspect(dir, model)));
        }
        Path dir = ModelCache.localDir(model, conf).toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve(Checkpoint.CONFIG_FILE))) {
            throw new IllegalArgumentException("model directory " + dir + " has no config.json (expected a"
                    + " microsoft/Phi-3.5-vision-instruct snapshot)");
        }
        return new ModelRef(model, dir.toString(), inspect(dir, model));
    }

    /** The config checks and the revision, on a local folder (the snapshot, or a mirror of its headers). */
    private static String inspect(Path dir, String model) {
        try {
            ModelConfig.load(dir.resolve(Checkpoint.CONFIG_FILE));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("model " + ModelCache.redact(model) + ": config.json is not a"
                    + " Phi-3.5-vision config: " + e.getMessage(), e);
        }
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            return ckpt.revision();
        }
    }

    public boolean remote() {
        return ModelCache.isRemote(location);
    }

    /** The location for logs and messages: no user info (credentials) of a remote URI. */
    public String shown() {
        return ModelCache.redact(location);
    }

    /** The revision's first 12 hex digits, for log lines. */
    public String shortRevision() {
        return revision.substring(0, Math.min(12, revision.length()));
    }

    /**
     * The model's tokenizer vocabulary, as JSON-schema constraints see it: read in place from a local folder, through
     * a temporary copy of tokenizer.json from a remote snapshot (without copying the weights).
     */
    public TokenVocabulary vocabulary(Configuration conf) {
        return remote() ? ModelCache.withFile(location, TOKENIZER_FILE, conf, TokenVocabulary::load)
                : TokenVocabulary.load(Path.of(location));
    }

    /** Executor side: the local folder to load, copying a remote snapshot once per machine first. */
    public Path localDir(Configuration conf) {
        return ModelCache.localDir(location, conf);
    }
}
