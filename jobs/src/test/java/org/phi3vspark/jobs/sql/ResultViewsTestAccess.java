package org.phi3vspark.jobs.sql;

import java.nio.file.Path;

/** Lets tests in other packages write the synthetic results table of {@link ResultViewsTest}. */
public final class ResultViewsTestAccess {
    private ResultViewsTestAccess() {
    }

    public static Path writeFixture(Path dir) throws Exception {
        return ResultViewsTest.writeFixture(dir);
    }
}
