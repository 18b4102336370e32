package dev.crier.loadtest;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** Everything a run measures; recorded from many threads, read once at the end. */
final class Stats {
  /** Publish to receive latency, microseconds. */
  final Recorder latency = new Recorder(3);

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

  void error(String kind) {
    errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
  }

  static Histogram snapshot(Recorder recorder) {
    return recorder.getIntervalHistogram();
  }
}
