package dev.crier.loadtest;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * The figures of one run, whether it was clean, and the summary printed from them ({@link
 * ResultJson} writes them as JSON).
 *
 * @param latency publish → receive, microseconds, over all steps
 * @param publishAnswer publish request → its answer, microseconds, over all steps
 * @param publishSeconds time spent publishing (first publish to last answer), over all steps
 */
public record Result(
    Settings settings,
    Stats stats,
    Histogram latency,
    Histogram publishAnswer,
    double publishSeconds,
    Histogram connect,
    long expected,
    List<Step> steps,
    double connectSeconds,
    IdleMemory memory,
    List<Stats.Counts> countsPerProcess) {

  public long received() {
    return stats.received.sum();
  }

  public long missing() {
    return Math.max(expected - received(), 0) + stats.missing.sum();
  }

  public long duplicated() {
    return stats.duplicated.sum();
  }

  public long connected() {
    return stats.connected.sum() - stats.reconnects.sum();
  }

  /**
   * Connections open on {@code subscribeTo.get(server)}: its share of the subscribers when all of
   * them connected; -1 (not known, so no figure per connection) when some did not.
   */
  long connectionsOf(int server) {
    return connected() == settings.subscribers() ? settings.subscribersOf(server) : -1;
  }

  /** The sustained step with the most deliveries per second, or null if none was sustained. */
  Step best() {
    Step best = null;
    for (Step s : steps) {
      if (s.sustained() && (best == null || s.deliveredPerSecond() > best.deliveredPerSecond())) {
        best = s;
      }
    }
    return best;
  }

  /**
   * No lost, repeated or reordered event, no error, every subscriber connected. When stepping, the
   * last step may fail to keep up (that is how the maximum is found), but nothing may be lost.
   */
  public boolean clean() {
    return missing() == 0
        && duplicated() == 0
        && (settings.stepping() || stats.errors.isEmpty())
        && stats.reconnects.sum() == 0
        && connected() == settings.subscribers();
  }

  String summary() {
    StringBuilder out =
        new StringBuilder(
            String.format(
                "%s: subscribers %d/%d connected in %.1f s; published %d (%d failed);"
                    + " delivered %d of %d; missing %d, duplicated %d, reconnects %d;"
                    + " latency ms p50 %.2f p99 %.2f max %.2f;"
                    + " publish answers %d, ms p50 %.2f p99 %.2f p99.9 %.2f; errors %s",
                settings.label(),
                connected(),
                settings.subscribers(),
                connectSeconds,
                stats.published.sum(),
                stats.publishFailures.sum(),
                received(),
                expected,
                missing(),
                duplicated(),
                stats.reconnects.sum(),
                latency.getValueAtPercentile(50) / 1000.0,
                latency.getValueAtPercentile(99) / 1000.0,
                latency.getMaxValue() / 1000.0,
                publishAnswer.getTotalCount(),
                publishAnswer.getValueAtPercentile(50) / 1000.0,
                publishAnswer.getValueAtPercentile(99) / 1000.0,
                publishAnswer.getValueAtPercentile(99.9) / 1000.0,
                errors()));
    if (memory != null) {
      out.append(
          String.format(
              "%n  server memory per connection: RSS %.1f KiB, heap after GC %.1f KiB",
              memory.rssPerConnectionKb(connected()), memory.heapPerConnectionKb(connected())));
      if (memory.after().size() > 1) {
        for (int n = 0; n < memory.after().size(); n++) {
          Memory before = memory.before().get(n);
          Memory after = memory.after().get(n);
          long connections = connectionsOf(n);
          out.append(
              String.format(
                  "%n    %s: %d connections, RSS %d MiB (%.1f KiB per connection),"
                      + " heap after GC %d MiB (%.1f KiB per connection)",
                  settings.subscribeTo().get(n),
                  connections,
                  after.rssKb() / 1024,
                  IdleMemory.perConnection(before.rssKb(), after.rssKb(), connections),
                  after.heapAfterGcKb() / 1024,
                  IdleMemory.perConnection(
                      before.heapAfterGcKb(), after.heapAfterGcKb(), connections)));
        }
      }
    }
    if (countsPerProcess.size() > 1) {
      for (int w = 0; w < countsPerProcess.size(); w++) {
        Stats.Counts c = countsPerProcess.get(w);
        out.append(
            String.format(
                "%n  process %d: %d connected, %d received, %d missing, %d duplicated",
                w, c.connected() - c.reconnects(), c.received(), c.missing(), c.duplicated()));
      }
    }
    for (Step s : steps) {
      out.append(
          String.format(
              "%n  rate %d/s: %.0f deliveries/s, p99 %.1f ms;"
                  + " %.0f publish answers/s, p99 %.1f ms%s",
              s.rate(),
              s.deliveredPerSecond(),
              s.p99Millis(),
              s.publishAnswersPerSecond(),
              s.publishAnswer().getValueAtPercentile(99) / 1000.0,
              s.sustained() ? "" : " (not sustained)"));
    }
    return out.toString();
  }

  /** The errors seen, by kind, in the order of their names. */
  Map<String, Long> errors() {
    Map<String, Long> out = new TreeMap<>();
    stats.errors.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
