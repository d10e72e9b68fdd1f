package org.phi3vspark.model.image;

/** An image that cannot be turned into RGB pixels; the message names the source (file, URI, row). */
public class ImageDecodeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String source;

    public ImageDecodeException(String source, String problem) {
        this(source, problem, null);
    }

    public ImageDecodeException(String source, String problem, Throwable cause) {
        this("image", source, problem, cause);
    }

    /** @param kind what could not be decoded ("image", "video") */
    protected ImageDecodeException(String kind, String source, String problem, Throwable cause) {
        super("cannot decode " + kind + " " + source + ": " + problem, cause);
        this.source = source;
    }

    /** The source name given to the decoder. */
    public String source() {
        return source;
    }
}
