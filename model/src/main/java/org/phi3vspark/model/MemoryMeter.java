package org.phi3vspark.model;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Measures this process's memory while something runs: peak resident memory (the kernel's own high-water
 * mark, what {@code /usr/bin/time -v} reports), and, sampled every 10 ms, the peak outside the
 * Java heap (native tensors, the weights on CPU) and the GPU memory in use (device-wide, as cudaMemGetInfo sees
 * it: the CUDA context, PyTorch's cached blocks and other processes included). Linux only; elsewhere the
 * figures are -1. "Outside the heap" is resident memory minus the committed Java heap: a lower bound of
 * native memory (committed heap pages need not be resident), close to it once native memory dominates.
 */
public final class MemoryMeter implements AutoCloseable {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");
    private static final long SAMPLE_MILLIS = 10; // about 0.2% of a core; a layer lasts longer than that

    /** Peak figures in bytes; -1 where not measurable (no /proc, no GPU). */
    public record Report(long peakRssBytes, long peakOutsideHeapBytes, long peakGpuBytes) {
        public static long mib(long bytes) {
            return bytes < 0 ? -1 : bytes >> 20;
        }

        @Override
        public String toString() {
            return "peak RSS " + mib(peakRssBytes) + " MiB, peak outside the Java heap " + mib(peakOutsideHeapBytes)
                    + " MiB" + (peakGpuBytes >= 0 ? ", peak GPU memory in use (whole device) " + mib(peakGpuBytes) + " MiB" : "");
        }
    }

    private final Device gpu;
    private final Thread sampler;
    private volatile boolean running = true;
    private volatile long peakOutsideHeap = -1;
    private volatile long peakGpu = -1;

    private MemoryMeter(Device device) {
        this.gpu = device.isGpu() && CudaUtils.hasCuda() ? device : null;
        this.sampler = new Thread(this::sampleLoop, "phi3v-memory-meter");
        sampler.setDaemon(true);
        sample();
        sampler.start();
    }

    /** Starts sampling; {@code device} decides whether GPU memory is sampled too. */
    public static MemoryMeter start(Device device) {
        return new MemoryMeter(device);
    }

    /** Stops sampling and returns the peaks since the process started (RSS) or this meter started (the rest). */
    public Report stop() {
        running = false;
        try {
            sampler.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sample();
        return new Report(peakRssBytes(), peakOutsideHeap, peakGpu);
    }

    @Override
    public void close() {
        stop();
    }

    private void sampleLoop() {
        while (running) {
            sample();
            try {
                Thread.sleep(SAMPLE_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void sample() {
        long rss = rssBytes();
        if (rss >= 0) {
            long outside = Math.max(0, rss - Runtime.getRuntime().totalMemory());
            peakOutsideHeap = Math.max(peakOutsideHeap, outside);
        }
        if (gpu != null) {
            MemoryUsage usage = CudaUtils.getGpuMemory(gpu);
            peakGpu = Math.max(peakGpu, usage.getCommitted());
        }
    }

    /** Current resident memory (VmRSS), or -1. */
    public static long rssBytes() {
        return bytes(statusKiB("VmRSS:"));
    }

    /** The process's peak resident memory (VmHWM), or -1. */
    public static long peakRssBytes() {
        return bytes(statusKiB("VmHWM:"));
    }

    private static long bytes(long kib) {
        return kib < 0 ? -1 : kib * 1024;
    }

    /**
     * Resets the kernel's peak-RSS mark to the current RSS (Linux {@code clear_refs} 5), so that
     * {@link #peakRssBytes} then measures one phase alone. Returns false where that is not possible.
     */
    public static boolean resetPeakRss() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    private static long statusKiB(String key) {
        try {
            List<String> lines = Files.readAllLines(STATUS);
            for (String line : lines) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).replace("kB", "").trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
