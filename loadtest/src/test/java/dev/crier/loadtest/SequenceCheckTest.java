package dev.crier.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.stream.LongStream;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The load generator's integrity check: exact counts for every way a sequence can go wrong. */
class SequenceCheckTest {

  /** Counts after feeding {@code seqs} as the publisher writes them, sent "now". */
  private static Stats.Counts check(long... seqs) {
    Stats stats = new Stats();
    SequenceCheck check = new SequenceCheck(stats);
    for (long seq : seqs) {
      check.onData(seq + " " + Clock.micros() + " padding");
    }
    return stats.counts();
  }

  private static Stats.Counts counts(long received, long missing, long duplicated) {
    return new Stats.Counts(0, 0, received, missing, duplicated, 0, Map.of());
  }

  @Test
  void anUnbrokenSequenceIsClean() {
    assertEquals(counts(5, 0, 0), check(1, 2, 3, 4, 5));
    assertEquals(counts(1000, 0, 0), check(LongStream.rangeClosed(1, 1000).toArray()));
  }

  @Test
  void eachGapCountsTheNumbersItSkipped() {
    assertEquals(counts(5, 4, 0), check(1, 2, 5, 6, 9));
    assertEquals(counts(2, 2, 0), check(3, 4), "the first event expected is 1");
  }

  @Test
  void eachRepeatCountsOnce() {
    assertEquals(counts(6, 0, 3), check(1, 2, 2, 3, 3, 3));
    assertEquals(counts(3, 0, 1), check(1, 2, 1));
  }

  @Test
  void aSwapCountsAsOneMissingAndOneDuplicated() {
    assertEquals(counts(4, 1, 1), check(1, 3, 2, 4));
    assertEquals(counts(5, 3, 2), check(1, 5, 3, 4, 6), "5 jumps over 2-4; 3 and 4 come late");
  }

  @Test
  void aSequenceStartingAgainCountsDuplicatesUntilItPassesWhereItWas() {
    assertEquals(counts(7, 0, 3), check(1, 2, 3, 1, 2, 3, 4));
    assertEquals(counts(5, 2, 2), check(1, 2, 1, 2, 5), "then a gap still counts from 3");
  }

  @Test
  void dataNotInThePublishersFormatIsAnErrorNotAnEvent() {
    Stats stats = new Stats();
    SequenceCheck check = new SequenceCheck(stats);
    check.onData("{\"topics\":[\"a\"]}");
    check.onData("1 " + Clock.micros());
    check.onData("1 " + Clock.micros() + " ");
    assertEquals(
        new Stats.Counts(0, 0, 1, 0, 0, 0, Map.of("unparsable event", 2L)), stats.counts());
  }

  @Test
  void everyEventIsTimedFromItsSendStamp() {
    Stats stats = new Stats();
    SequenceCheck check = new SequenceCheck(stats);
    check.onData("1 " + (Clock.micros() - 250_000) + " x");
    check.onData("2 " + (Clock.micros() + 60_000_000) + " x");
    Histogram latency = stats.takeLatency();
    assertEquals(2, latency.getTotalCount());
    assertEquals(0, latency.getMinValue(), "a stamp from a clock ahead counts as 0, not negative");
    long max = latency.getMaxValue();
    assertTrue(max >= 250_000 && max < 10_000_000, "sent 250 ms ago, was " + max);
  }
}
