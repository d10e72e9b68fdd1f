package org.phi3vspark.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.phi3vspark.model.io.Checkpoint;
import org.phi3vspark.model.nn.WeightLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads tensors one by one into engine-owned memory on the device, in the compute dtype, logging progress
 * every 10%.
 *
 * <p>Why not {@code manager.create(float[])}: on CPU, DJL's PyTorch engine wraps a JVM direct buffer
 * ({@code torch::from_blob}), so every weight would live in direct memory, capped by
 * {@code -XX:MaxDirectMemorySize} (by default the heap size) and freed only by the garbage collector. Here
 * each tensor is allocated by the engine ({@code torch::empty}) and filled through one reused 16 MB staging
 * buffer, chunk by chunk; the copy converts to the target dtype and device. Loading therefore needs 16 MB of
 * direct memory whatever the model size.
 */
final class CheckpointLoader implements WeightLoader {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointLoader.class);
    private static final int STAGING_FLOATS = 4 << 20;

    private final Checkpoint checkpoint;
    private final NDManager manager;
    private final DataType dtype;
    private final Path dir;
    private final ByteBuffer staging = ByteBuffer.allocateDirect(STAGING_FLOATS * 4).order(ByteOrder.nativeOrder());
    private final int expected;
    private int loaded;
    private long bytes;
    private int nextReport = 10;

    CheckpointLoader(Checkpoint checkpoint, NDManager manager, DataType dtype, Path dir) {
        this.checkpoint = checkpoint;
        this.manager = manager;
        this.dtype = dtype;
        this.dir = dir;
        this.expected = Math.max(1, checkpoint.names().size());
    }

    @Override
    public NDArray load(String name, long... shape) {
        Shape target = new Shape(shape);
        long elements = target.size();
        NDArray array = manager.create(target, dtype);
        try (NDManager chunks = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
                NDArray flat = array.reshape(elements)) {
            for (long first = 0; first < elements; first += STAGING_FLOATS) {
                int count = (int) Math.min(STAGING_FLOATS, elements - first);
                staging.clear().limit(count * 4);
                checkpoint.readFloat32(name, first, staging, shape);
                staging.flip();
                // from_blob over the staging buffer: no copy here, one copy (and cast) into the weight below
                NDArray chunk = chunks.create(staging, new Shape(count), DataType.FLOAT32);
                flat.set(new NDIndex("{}:{}", first, first + count), chunk);
                chunk.close();
            }
        } catch (RuntimeException e) {
            array.close();
            throw e;
        }
        loaded++;
        bytes += 4 * elements;
        int percent = loaded * 100 / expected;
        if (percent >= nextReport) {
            LOG.info("loading {}: {}% of tensors ({} MB as float32)", dir.getFileName(), percent, bytes >> 20);
            nextReport = percent / 10 * 10 + 10;
        }
        return array;
    }
}
