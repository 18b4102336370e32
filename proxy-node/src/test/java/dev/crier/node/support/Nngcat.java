package dev.crier.node.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * libnng's command-line peer, from Debian's {@code nng-utils} ({@code .ci/run} installs it). Tests
 * that need it are skipped, with a message on stderr, where it is missing.
 */
public final class Nngcat {
  private static final Path BINARY = findBinary();

  private Nngcat() {}

  private static Path findBinary() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      Path candidate = Path.of(dir, "nngcat");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  /** Skips the calling test, loudly, when nngcat is not installed. */
  public static void assumeInstalled() {
    if (BINARY == null) {
      System.err.println(
          "SKIPPED: nngcat is not installed (apt-get install nng-utils); NNG interop not tested");
    }
    Assumptions.assumeTrue(BINARY != null, "nngcat is not installed (apt-get install nng-utils)");
  }

  /** Starts {@code nngcat} with the arguments; its stdout is the process's input stream. */
  public static Process start(String... arguments) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(BINARY.toString());
    command.addAll(List.of(arguments));
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }
}
