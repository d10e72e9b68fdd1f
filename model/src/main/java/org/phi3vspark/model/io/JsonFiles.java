package org.phi3vspark.model.io;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads the small JSON files of a model directory with errors that name the file. */
public final class JsonFiles {
    private JsonFiles() {
    }

    /** Parses {@code file}, which must hold exactly one JSON object (strict JSON). */
    public static JsonObject readObject(Path file) {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                JsonReader reader = new JsonReader(in)) {
            reader.setStrictness(Strictness.LEGACY_STRICT);
            JsonElement root = new Gson().getAdapter(JsonElement.class).read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new CheckpointException("JSON file " + file + " has data after the top-level value");
            }
            if (root == null || !root.isJsonObject()) {
                throw new CheckpointException("JSON file " + file + " does not hold a JSON object");
            }
            return root.getAsJsonObject();
        } catch (NoSuchFileException e) {
            throw new CheckpointException("file " + file + " does not exist", e);
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException | RuntimeException | StackOverflowError e) {
            throw new CheckpointException("file " + file + " is not valid JSON: " + describe(e), e);
        }
    }

    /** Gson's parse error without its advice lines and with long JSON paths cut, for messages. */
    static String describe(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int newline = m.indexOf('\n');
        if (newline >= 0) {
            m = m.substring(0, newline);
        }
        m = m.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON ", "malformed JSON ");
        return m.length() > 200 ? m.substring(0, 200) + "..." : m;
    }
}
