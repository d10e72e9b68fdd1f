package org.phi3vspark.model.engine;

import org.phi3vspark.model.generate.GenerationResult;

/**
 * A request that left the engine: its result, or why it failed.
 *
 * @param tag     what the caller submitted the request with
 * @param result  the result, or null when it failed
 * @param failure the exception, or null when it succeeded
 * @param alone   whether the request failed with no other request in the engine (so running it alone again
 *                would do the same work); false when other sequences shared the failing step
 */
public record Completion<T>(T tag, GenerationResult result, Throwable failure, boolean alone) {

    public boolean ok() {
        return failure == null;
    }
}
