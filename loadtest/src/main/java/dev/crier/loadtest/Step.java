package dev.crier.loadtest;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * One publish rate held for the configured duration, and whether the server sustained it.
 *
 * @param publishAnswer every publish request's time from send to answer, microseconds
 * @param publishSeconds from the first publish to the last answer
 */
record Step(
    int rate,
    long published,
    long delivered,
    double seconds,
    Histogram latency,
    Histogram publishAnswer,
    double publishSeconds,
    long expectedSoFar,
    boolean sustained) {

  /** A step is sustained when its p99 stays at or under this. */
  static final double MAX_P99_MILLIS = 500;

  double deliveredPerSecond() {
    return delivered / seconds;
  }

  double p99Millis() {
    return latency.getValueAtPercentile(99) / 1000.0;
  }

  double publishAnswersPerSecond() {
    return publishAnswer.getTotalCount() / publishSeconds;
  }

  /**
   * Publishes at this rate for the configured duration, then waits for the last events to arrive (a
   * while, not forever: a server that falls behind has not sustained the rate).
   */
  static Step run(
      Settings settings,
      Stats stats,
      SubscriberGroup subscribers,
      Publisher publisher,
      int rate,
      long expectedBefore)
      throws Exception {
    subscribers.flush();
    stats.takeLatency();
    stats.takePublishAnswer();
    long publishedBefore = stats.published.sum();
    long receivedBefore = stats.received.sum();
    long faultsBefore = faults(stats);
    long start = System.nanoTime();
    publisher.run(rate, settings.duration());
    double publishSeconds = (System.nanoTime() - start) / 1e9;
    Histogram publishAnswer = stats.takePublishAnswer();
    long published = stats.published.sum() - publishedBefore;
    long expected = expectedBefore + expectedDeliveries(settings, published, publishedBefore);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.stepping() ? 5 : 10);
    while (stats.received.sum() < expected && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(20);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    subscribers.flush();
    long delivered = stats.received.sum() - receivedBefore;
    Histogram latency = stats.takeLatency();
    boolean sustained =
        published >= 0.95 * rate * settings.duration().toSeconds()
            && stats.received.sum() >= expected
            && faults(stats) == faultsBefore
            && latency.getValueAtPercentile(99) / 1000.0 <= MAX_P99_MILLIS;
    return new Step(
        rate,
        published,
        delivered,
        seconds,
        latency,
        publishAnswer,
        publishSeconds,
        expected,
        sustained);
  }

  /** Events lost, repeated or refused so far. */
  private static long faults(Stats stats) {
    return stats.missing.sum() + stats.duplicated.sum() + stats.publishFailures.sum();
  }

  /**
   * Every published event reaches every subscriber of its topic; events go round robin over the
   * topics, continuing where the previous step stopped.
   */
  static long expectedDeliveries(Settings s, long published, long publishedBefore) {
    long total = 0;
    int topics = s.topics();
    long perTopic = published / topics;
    long extra = published % topics;
    for (int t = 0; t < topics; t++) {
      long subscribersOfTopic = s.subscribers() / topics + (t < s.subscribers() % topics ? 1 : 0);
      int position = (int) Math.floorMod(t - publishedBefore, (long) topics);
      total += (perTopic + (position < extra ? 1 : 0)) * subscribersOfTopic;
    }
    return total;
  }
}
