package org.phi3vspark.model.io;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FloatFormatsTest {

    /** Independent definition of binary16 by its formula, in double arithmetic. */
    private static double halfByFormula(int bits) {
        int sign = (bits >> 15) & 1;
        int exp = (bits >> 10) & 0x1f;
        int mant = bits & 0x3ff;
        double magnitude;
        if (exp == 0x1f) {
            magnitude = mant == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else if (exp == 0) {
            magnitude = mant * Math.pow(2, -24);
        } else {
            magnitude = (1 + mant / 1024.0) * Math.pow(2, exp - 15);
        }
        return sign == 1 ? -magnitude : magnitude;
    }

    @Test
    void everyHalfValueWidensExactly() {
        for (int bits = 0; bits < 0x10000; bits++) {
            int b = bits;
            float got = FloatFormats.halfToFloat((short) bits);
            double want = halfByFormula(bits);
            if (Double.isNaN(want)) {
                assertTrue(Float.isNaN(got), () -> "NaN pattern 0x" + Integer.toHexString(b));
            } else {
                assertEquals(want, got, 0.0, () -> "half 0x" + Integer.toHexString(b));
                // Signed zero must keep its sign.
                assertEquals(Double.doubleToRawLongBits(want) >>> 63, (long) (Float.floatToRawIntBits(got) >>> 31),
                        () -> "sign of half 0x" + Integer.toHexString(b));
            }
        }
    }

    @Test
    void halfLandmarks() {
        assertEquals(1.0f, FloatFormats.halfToFloat(0x3C00));
        assertEquals(65504.0f, FloatFormats.halfToFloat(0x7BFF));
        assertEquals(0x1p-24f, FloatFormats.halfToFloat(0x0001));
        assertEquals(0x1p-14f - 0x1p-24f, FloatFormats.halfToFloat(0x03FF));
        assertEquals(0x1p-14f, FloatFormats.halfToFloat(0x0400));
        assertEquals(Float.POSITIVE_INFINITY, FloatFormats.halfToFloat(0x7C00));
        assertEquals(Float.NEGATIVE_INFINITY, FloatFormats.halfToFloat((short) 0xFC00));
        assertTrue(Float.isNaN(FloatFormats.halfToFloat(0x7E00)));
        assertEquals(-2.0f, FloatFormats.halfToFloat((short) 0xC000));
    }

    @Test
    void bf16WideningIsTheHighHalfOfFloatBits() {
        assertEquals(1.0f, FloatFormats.bf16ToFloat(0x3F80));
        assertEquals(-2.0f, FloatFormats.bf16ToFloat((short) 0xC000));
        assertEquals(Float.intBitsToFloat(0x00010000), FloatFormats.bf16ToFloat(0x0001));
        assertEquals(Float.NEGATIVE_INFINITY, FloatFormats.bf16ToFloat((short) 0xFF80));
    }

    @Test
    void bf16RoundingIsNearestEven() {
        // 1 + 2^-8 is exactly half-way between 1 and 1 + 2^-7: ties go to the even mantissa (1.0).
        assertEquals((short) 0x3F80, FloatFormats.floatToBf16(1f + 0x1p-8f));
        // 1 + 3*2^-8 is half-way between 1+2^-7 (odd) and 1+2^-6 (even): rounds up.
        assertEquals((short) 0x3F82, FloatFormats.floatToBf16(1f + 3 * 0x1p-8f));
        // Just above a tie rounds up; just below rounds down.
        assertEquals((short) 0x3F81, FloatFormats.floatToBf16(Math.nextUp(1f + 0x1p-8f)));
        assertEquals((short) 0x3F80, FloatFormats.floatToBf16(Math.nextDown(1f + 0x1p-8f)));
        // The largest float overflows to infinity, like torch.
        assertEquals((short) 0x7F80, FloatFormats.floatToBf16(Float.MAX_VALUE));
        assertTrue(Float.isNaN(FloatFormats.bf16ToFloat(FloatFormats.floatToBf16(Float.NaN))));
        assertTrue(Float.isNaN(FloatFormats.bf16ToFloat(FloatFormats.floatToBf16(Float.intBitsToFloat(0x7FFFFFFF)))));
        assertEquals((short) 0x8000, FloatFormats.floatToBf16(-0.0f));
    }

    @Test
    void bf16RoundingPicksTheNearerNeighbour() {
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 100_000; i++) {
            float x = Float.intBitsToFloat(random.nextInt());
            if (Float.isNaN(x) || Float.isInfinite(x) || Math.abs(x) > 1e38f) {
                continue;
            }
            float r = FloatFormats.bf16ToFloat(FloatFormats.floatToBf16(x));
            int truncated = Float.floatToRawIntBits(x) & 0xFFFF0000;
            float down = Float.intBitsToFloat(truncated);
            float up = Float.intBitsToFloat(truncated + 0x10000);
            double dDown = Math.abs((double) x - down);
            double dUp = Math.abs((double) x - up);
            float want = dDown < dUp ? down : dUp < dDown ? up : ((truncated >>> 16) & 1) == 0 ? down : up;
            assertEquals(want, r, 0.0f, "bf16 rounding of " + x);
        }
    }
}
