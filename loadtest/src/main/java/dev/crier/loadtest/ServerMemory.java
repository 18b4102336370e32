package dev.crier.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Memory of the server under test, read from outside: the resident set of its whole process tree
 * (Pushpin and nginx hold connections in child processes), and for a JVM the heap in use after a
 * full GC, through {@code jcmd}.
 */
final class ServerMemory {
  /**
   * One line per heap or generation ({@code garbage-first heap total 262144K, used 6521K}; with the
   * serial collector a young and a tenured line), never Metaspace or eden/survivor spaces.
   */
  private static final Pattern HEAP_USED = Pattern.compile("total \\d+K, used (\\d+)K");

  private ServerMemory() {}

  /** Resident set of the process and all its descendants, in KiB (Linux /proc). */
  static long rssKb(long pid) {
    long total = 0;
    for (long p : tree(pid)) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p), "status"))) {
          if (line.startsWith("VmRSS:")) {
            total += Long.parseLong(line.replaceAll("[^0-9]", ""));
          }
        }
      } catch (IOException gone) {
        // the process ended meanwhile
      }
    }
    return total;
  }

  private static List<Long> tree(long pid) {
    List<Long> out = new ArrayList<>();
    out.add(pid);
    for (int i = 0; i < out.size(); i++) {
      Path tasks = Path.of("/proc", Long.toString(out.get(i)), "task");
      try (var dirs = Files.list(tasks)) {
        for (Path task : dirs.toList()) {
          for (String child : Files.readString(task.resolve("children")).trim().split("\\s+")) {
            if (!child.isEmpty()) {
              out.add(Long.parseLong(child));
            }
          }
        }
      } catch (IOException gone) {
        // the process ended meanwhile
      }
    }
    return out;
  }

  /**
   * Heap in use after a full GC of the JVM {@code pid}, in KiB, or -1 if jcmd cannot tell. Only for
   * JVMs: jcmd signals the process with SIGQUIT.
   */
  static long heapAfterGcKb(long pid) throws InterruptedException {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    try {
      run(jcmd, Long.toString(pid), "GC.run");
      String info = run(jcmd, Long.toString(pid), "GC.heap_info");
      Matcher m = HEAP_USED.matcher(info);
      long used = -1;
      while (m.find()) {
        used = Math.max(used, 0) + Long.parseLong(m.group(1));
      }
      return used;
    } catch (IOException e) {
      return -1;
    }
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor(60, TimeUnit.SECONDS);
    return out;
  }
}
