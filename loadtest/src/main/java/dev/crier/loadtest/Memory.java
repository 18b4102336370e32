package dev.crier.loadtest;

import java.util.ArrayList;
import java.util.List;

/** A server's memory at one moment, KiB; -1 where not measured. */
record Memory(long rssKb, long heapAfterGcKb) {
  /**
   * Each server's, in the order of {@link Settings#serverPids}. jcmd only for Crier: attaching
   * sends SIGQUIT, which a JVM answers and nginx takes as an order to shut down.
   */
  static List<Memory> measure(Settings settings) throws InterruptedException {
    List<Memory> out = new ArrayList<>();
    for (long pid : settings.serverPids()) {
      out.add(
          new Memory(
              ServerMemory.rssKb(pid),
              settings.server().crier() ? ServerMemory.heapAfterGcKb(pid) : -1));
    }
    return out;
  }

  /** All servers together; -1 where any one was not measured. */
  static Memory sum(List<Memory> servers) {
    long rss = 0;
    long heap = 0;
    for (Memory m : servers) {
      rss = rss < 0 || m.rssKb() < 0 ? -1 : rss + m.rssKb();
      heap = heap < 0 || m.heapAfterGcKb() < 0 ? -1 : heap + m.heapAfterGcKb();
    }
    return servers.isEmpty() ? new Memory(-1, -1) : new Memory(rss, heap);
  }
}
