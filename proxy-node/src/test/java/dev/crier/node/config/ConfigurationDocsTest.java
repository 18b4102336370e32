package dev.crier.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every {@code crier.*} key of reference.conf has a table row of its own in docs/configuration.md,
 * and the row's default is reference.conf's; and every row names a key that exists.
 */
class ConfigurationDocsTest {

  /**
   * A table row's first two cells: {@code | `crier.a.b` | `default` … |}, or for siblings written
   * as one row {@code | `crier.a.min-x` / `max-x` | `1s` / `5s` |}.
   */
  private static final Pattern ROW = Pattern.compile("^\\| (`crier\\.[^|]*) \\| ([^|]*) \\|");

  private static final Pattern CODE = Pattern.compile("`([^`]*)`");

  @Test
  void everyKeyOfReferenceConfHasARowWithItsDefault() throws Exception {
    // Without the environment, so that a CRIER_* variable set where the test runs cannot stand in
    // for the default.
    Config reference =
        ConfigFactory.parseResources("reference.conf")
            .resolve(ConfigResolveOptions.noSystem())
            .getConfig("crier");
    Set<String> keys = new TreeSet<>();
    reference.entrySet().forEach(entry -> keys.add(entry.getKey()));
    assertTrue(keys.size() > 40, "reference.conf not found or nearly empty: " + keys.size());

    Map<String, String> documented =
        documentedDefaults(Files.readAllLines(Path.of("..", "docs", "configuration.md")));

    Set<String> undocumented = new TreeSet<>(keys);
    undocumented.removeAll(documented.keySet());
    assertEquals(Set.of(), prefixed(undocumented), "keys without a row in docs/configuration.md");

    Set<String> unknown = new TreeSet<>(documented.keySet());
    unknown.removeAll(keys);
    assertEquals(Set.of(), prefixed(unknown), "rows for keys that reference.conf does not have");

    Map<String, String> wrong = new TreeMap<>();
    for (String key : keys) {
      String given = documented.get(key);
      if (!sameValue(reference, key, given)) {
        wrong.put(
            "crier." + key,
            (given == null ? "docs give no default in a code span" : "docs " + given)
                + ", reference.conf "
                + reference.getValue(key).render());
      }
    }
    assertEquals(
        Map.of(), wrong, "defaults in docs/configuration.md that are not reference.conf's");
  }

  /**
   * Key (without {@code crier.}) to the first code span of its default cell, or null when the cell
   * has none.
   */
  private static Map<String, String> documentedDefaults(List<String> lines) {
    Map<String, String> defaults = new TreeMap<>();
    for (String line : lines) {
      Matcher row = ROW.matcher(line);
      if (!row.find()) {
        continue;
      }
      String[] names = row.group(1).split(" / ");
      String[] values = row.group(2).split(" / ");
      assertEquals(names.length, values.length, "one default per key in: " + line);
      String first = unquote(names[0]).substring("crier.".length());
      String parent = first.substring(0, first.lastIndexOf('.') + 1);
      for (int i = 0; i < names.length; i++) {
        String key = i == 0 ? first : parent + unquote(names[i]);
        Matcher code = CODE.matcher(values[i]);
        assertTrue(!defaults.containsKey(key), "two rows for crier." + key);
        defaults.put(key, code.find() ? code.group(1) : null);
      }
    }
    return defaults;
  }

  private static String unquote(String codeSpan) {
    Matcher code = CODE.matcher(codeSpan.trim());
    assertTrue(code.matches(), "a key is written as one code span: " + codeSpan);
    return code.group(1);
  }

  /**
   * Whether the documented default means reference.conf's value: read as HOCON, so that {@code `1
   * MiB`} is {@code 1MiB}, {@code `60s`} is {@code 1m}, {@code `""`} is the empty string and {@code
   * `[jwt]`} is {@code ["jwt"]}.
   */
  private static boolean sameValue(Config reference, String key, String documented) {
    if (documented == null) {
      return false;
    }
    ConfigValue value = reference.getValue(key);
    if (value.valueType() == ConfigValueType.STRING && value.unwrapped().equals(documented)) {
      return true;
    }
    Config doc;
    try {
      doc = ConfigFactory.parseString("v = " + documented);
    } catch (ConfigException notHocon) {
      return false;
    }
    ConfigValue given = doc.getValue("v");
    if (given.unwrapped().equals(value.unwrapped())) {
      return true;
    }
    // A duration or size in other words is the same value only when both carry a unit: a bare
    // number would otherwise pass for milliseconds or bytes.
    return value.valueType() == ConfigValueType.STRING
        && given.valueType() == ConfigValueType.STRING
        && (same(() -> reference.getDuration(key), () -> doc.getDuration("v"))
            || same(() -> reference.getBytes(key), () -> doc.getBytes("v")));
  }

  private static boolean same(Supplier<Object> reference, Supplier<Object> documented) {
    try {
      return Objects.equals(reference.get(), documented.get());
    } catch (ConfigException notThatType) {
      return false;
    }
  }

  private static Set<String> prefixed(Set<String> keys) {
    Set<String> out = new TreeSet<>();
    keys.forEach(k -> out.add("crier." + k));
    return out;
  }
}
