package org.phi3vspark.udf.conf;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.spark.SparkConf;
import org.phi3vspark.model.engine.EngineOptions;
import org.phi3vspark.model.image.VideoDecoder;
import scala.Tuple2;

/**
 * Every {@code spark.phi3v.*} setting: key, default, doc and validator in one place. The driver validates them
 * (and rejects unknown spark.phi3v.* keys, which are typos) before any executor starts; executors receive the
 * parsed {@link Settings} inside the task closure. {@link #markdownTable()} generates conf/SETTINGS.md.
 */
public final class Phi3vConf {

    /** One typed setting. */
    public record Entry<T>(String key, T defaultValue, String doc, Function<String, T> parser, Predicate<T> valid,
                           String rule) {

        /** The value in {@code conf}, or the default; throws naming the key when it is invalid. */
        public T read(SparkConf conf) {
            if (!conf.contains(key)) {
                return defaultValue;
            }
            String raw = conf.get(key);
            T value;
            try {
                value = parser.apply(raw.trim());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("setting " + key + "=" + raw + " is invalid: " + rule, e);
            }
            if (!valid.test(value)) {
                throw new IllegalArgumentException("setting " + key + "=" + raw + " is invalid: " + rule);
            }
            return value;
        }
    }

    public static final Entry<Integer> MAX_RUNNING = new Entry<>("spark.phi3v.maxRunning", 0,
            "Sequences the engine runs at once (being prefilled or decoding together); a finished one leaves at once"
                    + " and a waiting request takes its slot. More keeps a GPU busier and needs more KV memory."
                    + " 0 = the device's default: " + EngineOptions.CPU_MAX_RUNNING + " on CPU, "
                    + EngineOptions.GPU_MAX_RUNNING + " on a GPU.",
            Integer::valueOf, v -> v >= 0, "an integer >= 0");
    public static final Entry<Integer> KV_BUDGET_MIB = new Entry<>("spark.phi3v.kvBudgetMiB", 0,
            "The most the engine's KV caches may hold, in MiB, per Spark task: running sequences, prompts being"
                    + " prefilled and cached shared prefixes. Requests wait for room; one that cannot fit alone is an"
                    + " error row. 0 = the device's default: " + (EngineOptions.CPU_KV_BUDGET_BYTES >> 20)
                    + " on CPU; on a GPU half the memory free once the weights are loaded.",
            Integer::valueOf, v -> v >= 0, "an integer >= 0");
    public static final Entry<Integer> PREFILL_CHUNK = new Entry<>("spark.phi3v.prefillChunk", 0,
            "Prompt tokens prefilled per engine step while other sequences decode, so that a long prompt does not"
                    + " stall them (with nothing decoding a prompt is prefilled whole). 0 = the device's default: "
                    + EngineOptions.CPU_PREFILL_CHUNK + " on CPU, " + EngineOptions.GPU_PREFILL_CHUNK + " on a GPU.",
            Integer::valueOf, v -> v >= 0, "an integer >= 0");
    public static final Entry<Boolean> SHARE_PREFIXES = new Entry<>("spark.phi3v.sharePrefixes", true,
            "Requests with the same images and the same prompt up to the last image (the tasks of an item) prefill"
                    + " that prefix once and share its KV cache; each prefills only its own question.",
            Phi3vConf::parseBoolean, v -> true, "true or false");
    public static final Entry<Integer> PREFETCH_REQUESTS = new Entry<>("spark.phi3v.prefetchRequests", 4,
            "Requests read, decoded and preprocessed ahead of the engine while the model runs.",
            Integer::valueOf, v -> v >= 1, "an integer >= 1");
    public static final Entry<Integer> PREFETCH_THREADS = new Entry<>("spark.phi3v.prefetchThreads", 2,
            "Threads per task that read, decode and preprocess images.",
            Integer::valueOf, v -> v >= 1 && v <= 64, "an integer from 1 to 64");
    public static final Entry<DevicePolicy> DEVICE = new Entry<>("spark.phi3v.device", DevicePolicy.AUTO,
            "auto: the GPU Spark assigned to the task (spark.task.resource.gpu.amount), else CPU; cpu; gpu.",
            DevicePolicy::parse, v -> true, "one of auto, cpu, gpu");
    public static final Entry<Long> MAX_IMAGE_PIXELS = new Entry<>("spark.phi3v.maxImagePixels", 89_478_485L,
            "Images with more pixels fail with error_stage=decode before their pixels are decoded (Pillow's limit).",
            Long::valueOf, v -> v >= 1, "an integer >= 1");
    public static final Entry<Long> MAX_IMAGE_BYTES = new Entry<>("spark.phi3v.maxImageBytes", 64L << 20,
            "Image files larger than this fail with error_stage=read without being read.",
            Long::valueOf, v -> v >= 1, "an integer >= 1");
    public static final Entry<Long> MAX_VIDEO_BYTES = new Entry<>("spark.phi3v.maxVideoBytes", 256L << 20,
            "Video files larger than this fail with error_stage=read without being read (a video is held in memory"
                    + " while its frames are sampled).",
            Long::valueOf, v -> v >= 1 && v <= Integer.MAX_VALUE - 8, "an integer from 1 to 2147483639");
    public static final Entry<Integer> VIDEO_FRAMES = new Entry<>("spark.phi3v.videoFrames", 8,
            "Frames sampled from each video (video_uri), evenly spaced (the middle frame of each of N equal parts),"
                    + " each one image of the item; a shorter video gives all its frames. Unused when"
                    + " spark.phi3v.videoEverySeconds is set. Part of the request key: changing it reruns videos.",
            Integer::valueOf, v -> v >= 1 && v <= 64, "an integer from 1 to 64");
    public static final Entry<Double> VIDEO_EVERY_SECONDS = new Entry<>("spark.phi3v.videoEverySeconds", 0.0,
            "When above 0: one frame every this many seconds from the start of each video, at most"
                    + " spark.phi3v.videoMaxFrames, instead of spark.phi3v.videoFrames evenly spaced. Part of the"
                    + " request key.",
            Double::valueOf, v -> v >= 0 && Double.isFinite(v), "a finite number >= 0");
    public static final Entry<Integer> VIDEO_MAX_FRAMES = new Entry<>("spark.phi3v.videoMaxFrames", 32,
            "The most frames spark.phi3v.videoEverySeconds takes from one video (the first ones). Part of the"
                    + " request key.",
            Integer::valueOf, v -> v >= 1 && v <= 64, "an integer from 1 to 64");
    public static final Entry<Integer> ITEMS_PER_PARTITION = new Entry<>("spark.phi3v.itemsPerPartition", 32,
            "Requests per Spark task. Smaller tasks give finer progress and cheaper retries.",
            Integer::valueOf, v -> v >= 1, "an integer >= 1");
    public static final Entry<Integer> PROGRESS_INTERVAL = new Entry<>("spark.phi3v.progressIntervalSeconds", 10,
            "Seconds between progress lines on the driver.",
            Integer::valueOf, v -> v >= 1, "an integer >= 1");

    public static final Entry<Integer> MAX_CONSECUTIVE_MODEL_FAILURES = new Entry<>(
            "spark.phi3v.maxConsecutiveModelFailures", 3,
            "Model failures in a row (non-finite logits, engine or CUDA errors, out of memory with the request alone)"
                    + " after which a task fails, so that Spark retries it elsewhere and a broken model fails the job;"
                    + " fewer become error rows with error_stage=model.",
            Integer::valueOf, v -> v >= 1, "an integer >= 1");

    public static final Entry<Integer> ATTENTION_BLOCK_MIB = new Entry<>("spark.phi3v.attentionBlockMiB", 0,
            "The most one block of attention (its scores and their softmax) may take, in MiB; longer prompts and"
                    + " more crops run in blocks, so attention memory stays bounded. 0 = the device's default: 32 on"
                    + " CPU (measured fastest), 512 on a GPU.",
            Integer::valueOf, v -> v >= 0, "an integer >= 0");

    public static final Entry<Boolean> CONSTRAINED_DECODING = new Entry<>("spark.phi3v.constrainedDecoding", true,
            "Tasks with a json_schema (chart, and tasks with \"output\": \"json\") are decoded under their schema, so"
                    + " every answer parses and conforms, closed in time within max_new_tokens (closed_early says when"
                    + " the budget cut it short). false: the model writes freely and answers that do not parse or"
                    + " conform are error rows with error_stage=parse.",
            Phi3vConf::parseBoolean, v -> true, "true or false");

    /** Read on the driver by {@code phi3v run} only, so not part of {@link Settings}. */
    public static final Entry<TableFormat> TABLE_FORMAT = new Entry<>("spark.phi3v.tableFormat", TableFormat.PARQUET,
            "Format of the results table that phi3v run writes (driver side; --table-format overrides it): parquet"
                    + " (a folder of partitioned Parquet files) or delta (a Delta Lake table: one atomic commit per"
                    + " run, time travel).",
            TableFormat::parse, v -> true, "one of parquet, delta");

    public static final List<Entry<?>> ALL = List.of(MAX_RUNNING, KV_BUDGET_MIB, PREFILL_CHUNK, SHARE_PREFIXES,
            PREFETCH_REQUESTS, PREFETCH_THREADS, DEVICE, MAX_IMAGE_PIXELS, MAX_IMAGE_BYTES, MAX_VIDEO_BYTES,
            VIDEO_FRAMES, VIDEO_EVERY_SECONDS, VIDEO_MAX_FRAMES, ITEMS_PER_PARTITION, PROGRESS_INTERVAL,
            MAX_CONSECUTIVE_MODEL_FAILURES, ATTENTION_BLOCK_MIB, CONSTRAINED_DECODING, TABLE_FORMAT);

    private static final String PREFIX = "spark.phi3v.";

    /**
     * Parsed settings; serializable so that tasks carry them to executors.
     *
     * @param video how frames are sampled from videos (videoFrames, or videoEverySeconds with videoMaxFrames)
     */
    public record Settings(int maxRunning, int kvBudgetMiB, int prefillChunk, boolean sharePrefixes,
                           int prefetchRequests, int prefetchThreads, DevicePolicy device, long maxImagePixels,
                           long maxImageBytes, int itemsPerPartition, int progressIntervalSeconds,
                           int maxConsecutiveModelFailures, int attentionBlockMiB, boolean constrainedDecoding,
                           long maxVideoBytes, VideoDecoder.Sampling video)
            implements Serializable {

        public static Settings defaults() {
            return from(new SparkConf(false));
        }

        /** The engine settings: the device's defaults where a setting is 0. */
        public EngineOptions engineOptions(EngineOptions deviceDefaults) {
            EngineOptions o = deviceDefaults.withSharePrefixes(sharePrefixes);
            if (maxRunning > 0) {
                o = o.withMaxRunning(maxRunning);
            }
            if (kvBudgetMiB > 0) {
                o = o.withKvBudgetBytes((long) kvBudgetMiB << 20);
            }
            if (prefillChunk > 0) {
                o = o.withPrefillChunk(prefillChunk);
            }
            return o;
        }
    }

    private Phi3vConf() {
    }

    /** Reads and validates every setting; throws naming the first bad or unknown key. */
    public static Settings from(SparkConf conf) {
        for (Tuple2<String, String> kv : conf.getAll()) {
            String key = kv._1();
            if (key.startsWith(PREFIX) && ALL.stream().noneMatch(e -> e.key().equals(key))) {
                throw new IllegalArgumentException("unknown setting " + key + "; known settings: "
                        + ALL.stream().map(Entry::key).toList());
            }
        }
        return new Settings(MAX_RUNNING.read(conf), KV_BUDGET_MIB.read(conf), PREFILL_CHUNK.read(conf),
                SHARE_PREFIXES.read(conf), PREFETCH_REQUESTS.read(conf), PREFETCH_THREADS.read(conf),
                DEVICE.read(conf), MAX_IMAGE_PIXELS.read(conf), MAX_IMAGE_BYTES.read(conf),
                ITEMS_PER_PARTITION.read(conf), PROGRESS_INTERVAL.read(conf), MAX_CONSECUTIVE_MODEL_FAILURES.read(conf),
                ATTENTION_BLOCK_MIB.read(conf), CONSTRAINED_DECODING.read(conf), MAX_VIDEO_BYTES.read(conf),
                videoSampling(conf));
    }

    private static VideoDecoder.Sampling videoSampling(SparkConf conf) {
        double every = VIDEO_EVERY_SECONDS.read(conf);
        int frames = VIDEO_FRAMES.read(conf);
        int maxFrames = VIDEO_MAX_FRAMES.read(conf);
        return every > 0 ? VideoDecoder.Sampling.every(every, maxFrames) : VideoDecoder.Sampling.evenly(frames);
    }

    /** Only the two words: a typo such as "ture" must not silently mean false. */
    private static Boolean parseBoolean(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("not a boolean: " + value);
        };
    }

    public static String markdownTable() {
        List<String> lines = new ArrayList<>();
        lines.add("| key | default | meaning |");
        lines.add("| --- | --- | --- |");
        for (Entry<?> e : ALL) {
            String def = e.defaultValue() instanceof Enum<?> en ? en.name().toLowerCase(Locale.ROOT)
                    : String.valueOf(e.defaultValue());
            lines.add("| `" + e.key() + "` | `" + def + "` | " + e.doc() + " Must be " + e.rule() + ". |");
        }
        return String.join("\n", lines) + "\n";
    }
}
