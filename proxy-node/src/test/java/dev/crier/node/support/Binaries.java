package dev.crier.node.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Command-line tools some tests drive (libnng's nngcat, Prometheus's promtool), installed from
 * Debian's packages by {@code .ci/run}. Where one is missing, the tests that need it are skipped
 * with a message on stderr, never passed silently.
 */
public final class Binaries {
  private Binaries() {}

  public static Optional<Path> find(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The tool's path; skips the calling test, loudly, when it is not installed. */
  public static Path require(String name, String debianPackage) {
    Optional<Path> found = find(name);
    if (found.isEmpty()) {
      System.err.println(
          "SKIPPED: " + name + " is not installed (apt-get install " + debianPackage + ")");
    }
    Assumptions.assumeTrue(
        found.isPresent(), name + " is not installed (apt-get install " + debianPackage + ")");
    return found.get();
  }
}
