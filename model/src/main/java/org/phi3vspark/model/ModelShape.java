package org.phi3vspark.model;

import java.util.Locale;
import java.util.Map;

/**
 * The sizes of a Phi-3.5-vision checkpoint, for making random-weight checkpoints of any shape (the real
 * one included) that benchmarks and tests can run without the 8 GB download. Everything not named here
 * (vocabulary, RoPE theta, special ids, the HD layout) is the real model's.
 *
 * <p>{@code vision} null means the real CLIP ViT-L/14-336: the config gets no {@code vision_config} block
 * and the loader's CLIP-L fallback runs, exactly as for the real checkpoint.
 */
public record ModelShape(int hiddenSize, int heads, int kvHeads, int layers, int intermediateSize, Vision vision) {

    /** An explicit CLIP tower (written as {@code img_processor.vision_config}). */
    public record Vision(int hiddenSize, int layers, int heads, int intermediateSize) {
        public Vision {
            positive("vision width", hiddenSize);
            positive("vision-layers", layers);
            positive("vision-heads", heads);
            positive("vision-mlp", intermediateSize);
            if (hiddenSize % heads != 0) {
                throw new IllegalArgumentException("vision width " + hiddenSize + " is not divisible by vision-heads "
                        + heads);
            }
        }
    }

    /** The demo's tiny shape: every stage runs in milliseconds. */
    public static final ModelShape TINY = new ModelShape(64, 4, 4, 2, 128, new Vision(32, 3, 2, 64));
    /** Hidden 512, 8 heads, 8 layers; CLIP 256 wide, 6 layers (the issue-8 "small" benchmark shape). */
    public static final ModelShape SMALL = new ModelShape(512, 8, 8, 8, 1536, new Vision(256, 6, 4, 1024));
    /** The real head count (32) on a narrow model: attention memory dominates, as in the real model. */
    public static final ModelShape HEADS32 = new ModelShape(512, 32, 32, 6, 1024, new Vision(128, 4, 16, 256));
    /** Phi-3.5-vision-instruct itself: hidden 3072, 32 heads of 96, 32 layers, CLIP ViT-L/14-336. */
    public static final ModelShape REAL = new ModelShape(3072, 32, 32, 32, 8192, null);

    private static final Map<String, ModelShape> PRESETS = Map.of(
            "tiny", TINY, "small", SMALL, "heads32", HEADS32, "real", REAL);

    public ModelShape {
        positive("hidden", hiddenSize);
        positive("heads", heads);
        positive("kv-heads", kvHeads);
        positive("layers", layers);
        positive("intermediate", intermediateSize);
        if (hiddenSize % heads != 0) {
            throw new IllegalArgumentException("hidden " + hiddenSize + " is not divisible by heads " + heads);
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("kv-heads " + kvHeads + " does not divide heads " + heads);
        }
        if ((hiddenSize / heads) % 2 != 0) {
            throw new IllegalArgumentException("hidden/heads = " + hiddenSize / heads + " must be even (RoPE)");
        }
    }

    public int headDim() {
        return hiddenSize / heads;
    }

    public boolean usesClipLarge() {
        return vision == null;
    }

    /**
     * Parses {@code PRESET[,key=value...]} or {@code key=value,...} (starting from {@code small}).
     * Presets: tiny, small, heads32, real. Keys: hidden, heads (kv-heads follows unless given), kv-heads,
     * layers, intermediate, vision ({@code clip-l} or {@code WIDTHxLAYERS}), vision-heads, vision-mlp.
     * Example: {@code real,layers=2} or {@code hidden=512,heads=32,layers=6,vision=128x4,vision-heads=16}.
     */
    public static ModelShape parse(String spec) {
        String[] parts = spec.trim().split("\\s*,\\s*");
        int first = 0;
        ModelShape base = SMALL;
        if (parts.length > 0 && !parts[0].contains("=")) {
            base = PRESETS.get(parts[0].toLowerCase(Locale.ROOT));
            if (base == null) {
                throw new IllegalArgumentException("unknown model shape preset '" + parts[0] + "' (presets: tiny, small,"
                        + " heads32, real)");
            }
            first = 1;
        }
        int hidden = base.hiddenSize;
        int heads = base.heads;
        Integer kvHeads = null;
        int layers = base.layers;
        int intermediate = base.intermediateSize;
        String vision = null; // clip-l or WIDTHxLAYERS, when given
        Integer visionHeads = null;
        Integer visionMlp = null;
        for (int i = first; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("model shape item '" + parts[i] + "' is not key=value");
            }
            String key = kv[0].trim().toLowerCase(Locale.ROOT);
            String value = kv[1].trim();
            switch (key) {
                case "hidden" -> hidden = integer(key, value);
                case "heads" -> heads = integer(key, value);
                case "kv-heads" -> kvHeads = integer(key, value);
                case "layers" -> layers = integer(key, value);
                case "intermediate" -> intermediate = integer(key, value);
                case "vision" -> vision = value.toLowerCase(Locale.ROOT);
                case "vision-heads" -> visionHeads = integer(key, value);
                case "vision-mlp" -> visionMlp = integer(key, value);
                default -> throw new IllegalArgumentException("unknown model shape key '" + key + "' (keys: hidden, heads,"
                        + " kv-heads, layers, intermediate, vision, vision-heads, vision-mlp)");
            }
        }
        return new ModelShape(hidden, heads, kvHeads == null ? heads : kvHeads, layers, intermediate,
                vision(base.vision, vision, visionHeads, visionMlp));
    }

    /** The preset's tower with the given changes; a new width defaults the MLP to 4 × width, as CLIP does. */
    private static Vision vision(Vision base, String tower, Integer heads, Integer mlp) {
        if ("clip-l".equals(tower)) {
            if (heads != null || mlp != null) {
                throw new IllegalArgumentException("vision-heads and vision-mlp do not apply to vision=clip-l");
            }
            return null;
        }
        int width;
        int layers;
        if (tower != null) {
            String[] wl = tower.split("x");
            if (wl.length != 2) {
                throw new IllegalArgumentException("vision must be clip-l or WIDTHxLAYERS, got '" + tower + "'");
            }
            width = integer("vision width", wl[0]);
            layers = integer("vision layers", wl[1]);
        } else if (base != null) {
            width = base.hiddenSize();
            layers = base.layers();
        } else {
            if (heads != null || mlp != null) {
                throw new IllegalArgumentException("vision-heads and vision-mlp need vision=WIDTHxLAYERS here");
            }
            return null;
        }
        int defaultMlp = base != null && base.hiddenSize() == width ? base.intermediateSize() : 4 * width;
        int defaultHeads = base != null ? base.heads() : Math.max(1, width / 64);
        return new Vision(width, layers, heads != null ? heads : defaultHeads, mlp != null ? mlp : defaultMlp);
    }

    /** A compact description, parseable by {@link #parse}. */
    public String spec() {
        String text = "hidden=" + hiddenSize + ",heads=" + heads + ",kv-heads=" + kvHeads + ",layers=" + layers
                + ",intermediate=" + intermediateSize;
        return vision == null ? text + ",vision=clip-l"
                : text + ",vision=" + vision.hiddenSize() + "x" + vision.layers() + ",vision-heads=" + vision.heads()
                        + ",vision-mlp=" + vision.intermediateSize();
    }

    private static int integer(String key, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("model shape " + key + " must be an integer, got '" + value + "'");
        }
    }

    private static void positive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("model shape " + key + " must be positive, got " + value);
        }
    }
}
