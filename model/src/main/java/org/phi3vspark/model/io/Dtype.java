package org.phi3vspark.model.io;

/** Element types of the safetensors format, with their names as written in the header. */
public enum Dtype {
    F32(4), F16(2), BF16(2), F64(8), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    private final int bytes;

    Dtype(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** True for the types that {@link SafetensorsFile#readFloat32} converts. */
    public boolean isFloatingPoint() {
        return this == F32 || this == F16 || this == BF16 || this == F64;
    }

    /** The dtype for a header name such as {@code "BF16"}, or null when the name is not known. */
    static Dtype fromHeaderName(String name) {
        for (Dtype d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }
}
