package dev.crier.node.support;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** libnng's command-line peer, from Debian's {@code nng-utils}. */
public final class Nngcat {
  private Nngcat() {}

  /** Skips the calling test, loudly, when nngcat is not installed. */
  public static void assumeInstalled() {
    Binaries.require("nngcat", "nng-utils");
  }

  /** Starts {@code nngcat} with the arguments; its stdout is the process's input stream. */
  public static Process start(String... arguments) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Binaries.require("nngcat", "nng-utils").toString());
    command.addAll(List.of(arguments));
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }
}
