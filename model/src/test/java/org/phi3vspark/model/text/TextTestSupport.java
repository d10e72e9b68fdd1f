package org.phi3vspark.model.text;

import java.nio.file.Path;
import org.phi3vspark.model.GoldenSet;

final class TextTestSupport {
    static final Path GOLDEN = GoldenSet.root();
    static final Path TINY_F32 = GoldenSet.fixtureCheckpoint("tiny-f32");

    private TextTestSupport() {}
}
