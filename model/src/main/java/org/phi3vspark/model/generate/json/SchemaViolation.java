package org.phi3vspark.model.generate.json;

/** Where a JSON value breaks its schema: {@code path} locates the value ({@code $.series[0].points[2].y}). */
public record SchemaViolation(String path, String message) {

    @Override
    public String toString() {
        return path + ": " + message;
    }
}
