package dev.crier.loadtest;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Everything a run measures; recorded from many threads, read once at the end. When the subscribers
 * run in worker processes, what each worker reports is added here ({@link #add}), so that the
 * coordinating process reads one set of figures either way.
 */
final class Stats {
  /** Publish to receive latency, microseconds. */
  final Recorder latency = new Recorder(3);

  /**
   * Time from writing a publish request to its answer, microseconds; recorded by the publisher,
   * which runs in the coordinating process only.
   */
  final Recorder publishAnswer = new Recorder(3);

  /** Time from connect to the response head, microseconds. */
  final Recorder connect = new Recorder(3);

  final LongAdder connected = new LongAdder();
  final LongAdder answered = new LongAdder();
  final LongAdder received = new LongAdder();
  final LongAdder missing = new LongAdder();
  final LongAdder duplicated = new LongAdder();
  final LongAdder reconnects = new LongAdder();
  final LongAdder published = new LongAdder();
  final LongAdder publishFailures = new LongAdder();
  final ConcurrentHashMap<String, LongAdder> errors = new ConcurrentHashMap<>();

  /** Latencies reported by worker processes and not yet taken; guarded by {@code this}. */
  private final Histogram reportedLatency = new Histogram(3);

  /** Connect times reported by worker processes and not yet taken; guarded by {@code this}. */
  private final Histogram reportedConnect = new Histogram(3);

  /**
   * What the subscribers counted: the part of the figures a worker process reports, as running
   * totals or as the difference between two reports.
   */
  record Counts(
      long connected,
      long answered,
      long received,
      long missing,
      long duplicated,
      long reconnects,
      Map<String, Long> errors) {

    static final Counts NONE = new Counts(0, 0, 0, 0, 0, 0, Map.of());

    Counts plus(Counts o) {
      Map<String, Long> sum = new TreeMap<>(errors);
      o.errors.forEach((kind, n) -> sum.merge(kind, n, Long::sum));
      return new Counts(
          connected + o.connected,
          answered + o.answered,
          received + o.received,
          missing + o.missing,
          duplicated + o.duplicated,
          reconnects + o.reconnects,
          sum);
    }

    Counts minus(Counts o) {
      Map<String, Long> difference = new TreeMap<>(errors);
      o.errors.forEach((kind, n) -> difference.merge(kind, -n, Long::sum));
      difference.values().removeIf(n -> n == 0);
      return new Counts(
          connected - o.connected,
          answered - o.answered,
          received - o.received,
          missing - o.missing,
          duplicated - o.duplicated,
          reconnects - o.reconnects,
          difference);
    }
  }

  void error(String kind) {
    errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
  }

  /** The subscribers' counts so far. */
  Counts counts() {
    Map<String, Long> errorCounts = new TreeMap<>();
    errors.forEach((kind, n) -> errorCounts.put(kind, n.sum()));
    return new Counts(
        connected.sum(),
        answered.sum(),
        received.sum(),
        missing.sum(),
        duplicated.sum(),
        reconnects.sum(),
        errorCounts);
  }

  /** Adds what a worker process counted and recorded since its previous report. */
  synchronized void add(Counts counts, Histogram latencies, Histogram connectTimes) {
    connected.add(counts.connected());
    answered.add(counts.answered());
    received.add(counts.received());
    missing.add(counts.missing());
    duplicated.add(counts.duplicated());
    reconnects.add(counts.reconnects());
    counts.errors().forEach((kind, n) -> errors.computeIfAbsent(kind, k -> new LongAdder()).add(n));
    reportedLatency.add(latencies);
    reportedConnect.add(connectTimes);
  }

  /** Latencies recorded or reported since the previous call. */
  synchronized Histogram takeLatency() {
    return take(latency, reportedLatency);
  }

  /** Connect times recorded or reported since the previous call. */
  synchronized Histogram takeConnect() {
    return take(connect, reportedConnect);
  }

  /** Publish answer times recorded since the previous call. */
  Histogram takePublishAnswer() {
    return publishAnswer.getIntervalHistogram();
  }

  private static Histogram take(Recorder recorded, Histogram reported) {
    Histogram out = recorded.getIntervalHistogram();
    out.add(reported);
    reported.reset();
    return out;
  }
}
