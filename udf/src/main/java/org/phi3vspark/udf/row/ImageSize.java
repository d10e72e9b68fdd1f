package org.phi3vspark.udf.row;

import java.io.Serializable;

/** Decoded size of one image, for the {@code image_sizes} column. */
public record ImageSize(int width, int height) implements Serializable {
}
