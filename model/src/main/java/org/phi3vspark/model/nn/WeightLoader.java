package org.phi3vspark.model.nn;

import ai.djl.ndarray.NDArray;

/** The narrow seam between checkpoint files and model blocks: a named tensor of a known shape, on the device. */
@FunctionalInterface
public interface WeightLoader {
    NDArray load(String name, long... shape);
}
