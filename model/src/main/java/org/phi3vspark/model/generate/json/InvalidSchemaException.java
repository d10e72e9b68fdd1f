package org.phi3vspark.model.generate.json;

/**
 * A JSON Schema that is malformed or uses something outside the supported subset. The message starts with the
 * JSON path of the offending schema, e.g. {@code $.properties.series.items: "oneOf" is not supported}.
 */
public final class InvalidSchemaException extends IllegalArgumentException {
    private final String path;

    InvalidSchemaException(String path, String problem) {
        super(path + ": " + problem);
        this.path = path;
    }

    /** JSON path of the schema that has the problem ({@code $} is the root schema). */
    public String path() {
        return path;
    }
}
