package org.phi3vspark.udf.exec;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.phi3vspark.model.Phi3VModel;
import org.phi3vspark.model.engine.Completion;
import org.phi3vspark.model.engine.EngineOptions;
import org.phi3vspark.model.engine.GenerationEngine;
import org.phi3vspark.model.generate.GenerationRequest;
import org.phi3vspark.model.generate.GenerationResult;

/**
 * The models loaded in this JVM: one per (model directory, device), shared by every task that runs on the
 * executor. (The on-disk copies of remote snapshots are {@link org.phi3vspark.udf.snapshot.ModelCache}.) Each task
 * runs its own engine; tasks on the same model take turns, one engine step or generate call at a time (one GPU runs
 * one batch at a time; on CPU, PyTorch already uses every core for one). Models stay loaded for the JVM's life,
 * which is the executor's.
 */
public final class LoadedModels {

    /** What identifies a loaded model. */
    public record Key(String modelDir, String device) {
    }

    private static final Map<Key, Loaded> MODELS = new ConcurrentHashMap<>();
    private static final AtomicInteger TOTAL_LOADS = new AtomicInteger();

    private LoadedModels() {
    }

    /** A model shared by the tasks of this JVM. */
    public static final class Loaded {
        private final Key key;
        private final ReentrantLock generateLock = new ReentrantLock();
        private final AtomicInteger loads = new AtomicInteger();
        private final AtomicLong generateCalls = new AtomicLong();
        private volatile Phi3VModel model;

        private Loaded(Key key) {
            this.key = key;
        }

        public Key key() {
            return key;
        }

        public Phi3VModel model() {
            return model;
        }

        public int loads() {
            return loads.get();
        }

        public long generateCalls() {
            return generateCalls.get();
        }

        /** Runs the requests to completion in an engine of their own (a request retried alone). */
        public List<GenerationResult> generate(List<GenerationRequest> requests, EngineOptions options) {
            return locked(m -> m.generate(requests, options));
        }

        /** One step of a task's engine, in turn with the other tasks on this model. */
        public <T> List<Completion<T>> step(GenerationEngine<T> engine) {
            return locked(m -> engine.step());
        }

        private <R> R locked(Function<Phi3VModel, R> call) {
            generateLock.lock();
            try {
                Phi3VModel m = model;
                if (m == null) {
                    // closeAll() ran while a task still held this entry: say so instead of a NullPointerException.
                    throw new IllegalStateException("model " + key + " was closed (LoadedModels.closeAll) while a"
                            + " task was using it");
                }
                generateCalls.incrementAndGet();
                return call.apply(m);
            } finally {
                generateLock.unlock();
            }
        }

        /** Loads on first use; concurrent first users wait for the one load. Returns true if this call loaded. */
        private synchronized boolean ensureLoaded(Device device, long attentionBlockBytes) {
            if (model != null) {
                return false;
            }
            Phi3VModel.Options options = Phi3VModel.Options.defaults(device);
            if (attentionBlockBytes > 0) {
                options = options.withAttentionBlockBytes(attentionBlockBytes);
            }
            model = Phi3VModel.load(Path.of(key.modelDir()), device, options);
            loads.incrementAndGet();
            TOTAL_LOADS.incrementAndGet();
            return true;
        }
    }

    /** {@link #get(String, Device, long, Runnable)} with the device's default attention block. */
    public static Loaded get(String modelDir, Device device, Runnable onLoad) {
        return get(modelDir, device, 0, onLoad);
    }

    /**
     * The model for this directory and device, loaded if needed.
     *
     * @param attentionBlockBytes attention block budget for the load (0 = the device's default)
     * @param onLoad runs once when this call performed the load (counts loads into a Spark accumulator)
     */
    public static Loaded get(String modelDir, Device device, long attentionBlockBytes, Runnable onLoad) {
        Loaded l = MODELS.computeIfAbsent(key(modelDir, device), Loaded::new);
        if (l.ensureLoaded(device, attentionBlockBytes) && onLoad != null) {
            onLoad.run();
        }
        return l;
    }

    /** Loads performed by this JVM for this key (0 when never loaded). */
    public static int loadCount(String modelDir, Device device) {
        Loaded l = MODELS.get(key(modelDir, device));
        return l == null ? 0 : l.loads();
    }

    /** Engine steps and generate calls made by this JVM on this model (0 when never loaded). */
    public static long generateCalls(String modelDir, Device device) {
        Loaded l = MODELS.get(key(modelDir, device));
        return l == null ? 0 : l.generateCalls();
    }

    /** The same folder written two ways (relative, with ./ or ..) is one model, not two loads of it. */
    private static Key key(String modelDir, Device device) {
        return new Key(Path.of(modelDir).toAbsolutePath().normalize().toString(), device.toString());
    }

    public static int totalLoads() {
        return TOTAL_LOADS.get();
    }

    /** Closes and forgets every model (for applications that want the memory back; the next use reloads). */
    public static synchronized void closeAll() {
        for (Loaded l : MODELS.values()) {
            synchronized (l) {
                // Never free the weights under a generate call of another task: wait for it to finish.
                l.generateLock.lock();
                try {
                    if (l.model != null) {
                        l.model.close();
                        l.model = null;
                    }
                } finally {
                    l.generateLock.unlock();
                }
            }
        }
        MODELS.clear();
    }
}
