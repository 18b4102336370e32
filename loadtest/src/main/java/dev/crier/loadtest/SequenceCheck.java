package dev.crier.loadtest;

/**
 * Checks one subscriber's events against its topic's sequence, as numbered by {@link Publisher}
 * ({@code "<seq> <epoch-micros> <padding>"}, from 1), and records the outcome in {@link Stats}.
 *
 * <p>Only the highest number seen counts: a number above the next expected one adds the numbers
 * skipped to {@code missing} and moves on past it; a number at or below one already passed adds one
 * to {@code duplicated}. So two events swapped count as one missing and one duplicated, and a
 * sequence that starts again from 1 counts as duplicates until it passes where it was: either way
 * the run is not clean. Not thread-safe; a connection's events arrive on one event loop.
 */
final class SequenceCheck {
  private final Stats stats;
  private long expected = 1;

  SequenceCheck(Stats stats) {
    this.stats = stats;
  }

  /** Checks and times one event's data; data not in the publisher's format is an error. */
  void onData(String data) {
    int space = data.indexOf(' ');
    int second = data.indexOf(' ', space + 1);
    if (space < 0 || second < 0) {
      stats.error("unparsable event");
      return;
    }
    long seq = Long.parseLong(data, 0, space, 10);
    long sentMicros = Long.parseLong(data, space + 1, second, 10);
    stats.received.increment();
    stats.latency.recordValue(Math.max(0, Clock.micros() - sentMicros));
    if (seq == expected) {
      expected++;
    } else if (seq > expected) {
      stats.missing.add(seq - expected);
      expected = seq + 1;
    } else {
      stats.duplicated.increment();
    }
  }
}
