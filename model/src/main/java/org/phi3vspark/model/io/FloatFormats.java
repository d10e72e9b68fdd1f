package org.phi3vspark.model.io;

/**
 * Bit-level conversions between float32 and the 16-bit formats stored in checkpoints.
 * Written by hand because {@code Float.float16ToFloat} only exists from Java 20 on, and because
 * BF16 must never reach DJL (creating a BFLOAT16 NDArray aborts the JVM).
 */
public final class FloatFormats {
    private FloatFormats() {
    }

    /** Exact widening of a bfloat16 (its 16 bits in the low half of {@code bits}). */
    public static float bf16ToFloat(int bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Rounds to the nearest bfloat16, ties to even (as torch does); NaN stays a (quiet) NaN. */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            // Rounding could carry a NaN payload into the exponent and make it infinity.
            return (short) ((bits >>> 16) | 0x0040);
        }
        int roundingBias = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /** Exact widening of an IEEE 754 binary16 value, including subnormals, infinities and NaN. */
    public static float halfToFloat(int bits) {
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            // Infinity when the mantissa is zero, otherwise NaN with the payload kept.
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // Zero or subnormal: mantissa * 2^-24 is exact in float32.
            float magnitude = mantissa * 0x1p-24f;
            return sign != 0 ? -magnitude : magnitude;
        }
        // Normal: re-bias the exponent from 15 to 127.
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
