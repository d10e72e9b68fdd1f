package org.phi3vspark.model;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.*;

class DjlSmokeTest {
    @Test
    void pytorchEngineRunsOffline() {
        try (NDManager m = NDManager.newBaseManager()) {
            var a = m.create(new float[] {1, 2, 3});
            assertEquals(14f, a.mul(a).sum().getFloat(), 0f);
            assertEquals("PyTorch", m.getEngine().getEngineName());
        }
    }
}
