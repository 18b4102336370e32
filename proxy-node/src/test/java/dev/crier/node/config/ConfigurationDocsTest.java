package dev.crier.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Every {@code crier.*} key of reference.conf is documented in docs/configuration.md. */
class ConfigurationDocsTest {

  @Test
  void everyKeyOfReferenceConfIsInTheConfigurationReference() throws Exception {
    String docs = Files.readString(Path.of("..", "docs", "configuration.md"));
    Set<String> undocumented = new TreeSet<>();
    var keys = ConfigFactory.parseResources("reference.conf").getConfig("crier").entrySet();
    assertTrue(keys.size() > 40, "reference.conf not found or nearly empty: " + keys.size());
    keys.forEach(
        entry -> {
          String key = "crier." + entry.getKey();
          if (!docs.contains("`" + key + "`") && !documentedAsGroup(docs, key)) {
            undocumented.add(key);
          }
        });
    assertEquals(Set.of(), undocumented, "keys missing from docs/configuration.md");
  }

  /** {@code a.b.min-x} / {@code max-x} written as one row: "`a.b.min-x` / `max-x`". */
  private static boolean documentedAsGroup(String docs, String key) {
    int dot = key.lastIndexOf('.');
    return docs.contains("/ `" + key.substring(dot + 1) + "`")
        && docs.contains("`" + key.substring(0, dot + 1));
  }
}
