package org.phi3vspark.udf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.phi3vspark.model.Phi3VModel;

/**
 * The never-rules of the architecture, checked on the compiled classes (every reference a class makes, imports
 * and fully qualified names alike, is a class name in its constant pool): model/ knows no Spark or Hadoop, udf/
 * knows no CLI, and inside udf/ planning (driver side) and execution (executor side) do not know each other. The
 * rules are the ones each package-info states.
 */
class DependencyRulesTest {

    /** Package (as a class-name prefix) → class-name prefixes its classes must not reference. */
    static final Map<String, List<String>> NEVER = new LinkedHashMap<>();

    static {
        NEVER.put("org/phi3vspark/model/", List.of("org/apache/spark/", "org/apache/hadoop/", "scala/",
                "org/phi3vspark/udf/", "org/phi3vspark/jobs/"));
        NEVER.put("org/phi3vspark/udf/", List.of("picocli/", "org/phi3vspark/jobs/", "org/phi3vspark/model/cli/"));
        NEVER.put("org/phi3vspark/udf/plan/", List.of("org/phi3vspark/udf/exec/", "ai/djl/"));
        NEVER.put("org/phi3vspark/udf/exec/", List.of("org/phi3vspark/udf/plan/"));
        for (String shared : List.of("row", "task", "conf", "snapshot")) {
            NEVER.put("org/phi3vspark/udf/" + shared + "/", List.of("org/phi3vspark/udf/plan/",
                    "org/phi3vspark/udf/exec/", "org/phi3vspark/udf/Phi3v"));
        }
    }

    @Test
    void noPackageReferencesWhatItMustNot() throws Exception {
        Map<String, byte[]> classes = new LinkedHashMap<>();
        classes.putAll(classesOf(Phi3VModel.class));
        classes.putAll(classesOf(Phi3vPipeline.class));
        assertTrue(classes.keySet().stream().anyMatch(n -> n.startsWith("org/phi3vspark/udf/exec/")), "found udf");
        assertTrue(classes.keySet().stream().anyMatch(n -> n.startsWith("org/phi3vspark/model/generate/")),
                "found model");
        List<String> broken = new ArrayList<>();
        classes.forEach((name, bytes) -> {
            String constants = new String(bytes, StandardCharsets.ISO_8859_1);
            NEVER.forEach((pkg, forbidden) -> {
                if (name.startsWith(pkg)) {
                    for (String f : forbidden) {
                        if (constants.contains(f)) {
                            broken.add(name + " references " + f);
                        }
                    }
                }
            });
        });
        assertEquals(List.of(), broken);
    }

    /** Every class file of the folder or jar that holds {@code anchor}, by class name (a/b/C). */
    private static Map<String, byte[]> classesOf(Class<?> anchor) throws IOException, URISyntaxException {
        Path root = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        Map<String, byte[]> out = new LinkedHashMap<>();
        if (Files.isDirectory(root)) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                    out.put(root.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
                }
            }
        } else {
            try (JarFile jar = new JarFile(root.toFile())) {
                for (var e : jar.stream().filter(e -> e.getName().endsWith(".class")).toList()) {
                    try (InputStream in = jar.getInputStream(e)) {
                        out.put(e.getName(), in.readAllBytes());
                    }
                }
            }
        }
        return out;
    }
}
