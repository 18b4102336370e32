package dev.crier.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * The pipelined publisher against a real local HTTP server ({@link PublishSink}): it sends without
 * waiting for answers, never has more than its bound unanswered on a connection, keeps every
 * topic's order, and times every answer.
 */
class PublisherTest {

  private static Settings pipelined(PublishSink sink, int topics, int connections, int inFlight) {
    return Settings.parse(
        new String[] {
          "--target", sink.url(),
          "--topics", Integer.toString(topics),
          "--publish", "pipelined",
          "--publish-connections", Integer.toString(connections),
          "--publish-in-flight", Integer.toString(inFlight)
        });
  }

  /** Every topic got 1, 2, … n exactly once and in order, and the n add up to {@code total}. */
  private static void assertEachTopicInOrder(PublishSink sink, int topics, long total) {
    Map<String, List<Long>> published = sink.published();
    assertEquals(topics, published.size(), published.keySet().toString());
    long sum = 0;
    for (Map.Entry<String, List<Long>> topic : published.entrySet()) {
      List<Long> seqs = topic.getValue();
      assertEquals(LongStream.rangeClosed(1, seqs.size()).boxed().toList(), seqs, topic.getKey());
      sum += seqs.size();
    }
    assertEquals(total, sum);
  }

  @Test
  void slowAnswersDoNotSlowPublishingAndEachTopicKeepsItsOrder() throws Exception {
    // 20 ms an answer, one at a time per connection: waiting for each would allow 50 requests a
    // second per connection; 3 topics over 2 connections at 300 events/s need more in flight
    try (PublishSink sink = new PublishSink(20, 0, false)) {
      Stats stats = new Stats();
      try (Publisher publisher = new Publisher(pipelined(sink, 3, 2, 4), stats)) {
        publisher.run(300, Duration.ofSeconds(1));
      }
      assertEquals(0, stats.publishFailures.sum(), stats.counts().toString());
      assertTrue(stats.published.sum() >= 295, "published " + stats.published.sum());
      assertEachTopicInOrder(sink, 3, stats.published.sum());
      assertEquals(2, sink.connections());
      assertEquals(4, sink.maxUnanswered(), "the bound was reached, and held");

      Histogram answers = stats.takePublishAnswer();
      assertEquals(sink.answered(), answers.getTotalCount(), "every answer is timed");
      assertTrue(answers.getMinValue() >= 20_000, "min " + answers.getMinValue() + " µs");
      assertTrue(
          answers.getMaxValue() >= 40_000,
          "a request that waited behind another at the server counts that wait: max "
              + answers.getMaxValue()
              + " µs");
    }
  }

  @Test
  void aConnectionAtItsBoundHoldsEventsBackAndSendsThemTogetherOnceAnswered() throws Exception {
    try (PublishSink sink = new PublishSink(0, 0, true)) {
      Stats stats = new Stats();
      try (Publisher publisher = new Publisher(pipelined(sink, 1, 1, 3), stats)) {
        CompletableFuture<Void> run =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    publisher.run(200, Duration.ofSeconds(1));
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
        TimeUnit.MILLISECONDS.sleep(900);
        assertEquals(3, sink.maxUnanswered(), "no more than the bound is sent unanswered");
        sink.release();
        run.get(30, TimeUnit.SECONDS);
      }
      assertEquals(0, stats.publishFailures.sum(), stats.counts().toString());
      assertTrue(stats.published.sum() >= 195, "published " + stats.published.sum());
      assertEachTopicInOrder(sink, 1, stats.published.sum());
      assertTrue(
          sink.answered() < 100,
          "the events held back went out together: " + sink.answered() + " requests");
    }
  }

  @Test
  void requestsBehindAnAnswerThatClosesTheConnectionAreSentAgainOnANewOne() throws Exception {
    // every connection closes after its 5th answer, with requests pipelined behind it
    try (PublishSink sink = new PublishSink(5, 5, false)) {
      Stats stats = new Stats();
      try (Publisher publisher = new Publisher(pipelined(sink, 2, 1, 8), stats)) {
        publisher.run(400, Duration.ofSeconds(1));
      }
      assertEquals(0, stats.publishFailures.sum(), stats.counts().toString());
      assertTrue(stats.published.sum() >= 395, "published " + stats.published.sum());
      assertEachTopicInOrder(sink, 2, stats.published.sum());
      assertTrue(sink.connections() > 2, sink.connections() + " connections");
      assertEquals(sink.answered(), stats.takePublishAnswer().getTotalCount());
    }
  }

  @Test
  void eventsForAServerThatCannotBeReachedFailInsteadOfWaiting() throws Exception {
    int port;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = closed.getLocalPort();
    }
    Settings settings =
        Settings.parse(
            new String[] {"--target", "http://127.0.0.1:" + port, "--publish", "pipelined"});
    Stats stats = new Stats();
    long start = System.nanoTime();
    try (Publisher publisher = new Publisher(settings, stats)) {
      publisher.run(100, Duration.ofSeconds(1));
    }
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "no wait for answers");
    assertEquals(0, stats.published.sum());
    assertTrue(stats.publishFailures.sum() >= 95, stats.counts().toString());
    assertTrue(
        stats.counts().errors().keySet().stream().allMatch(e -> e.startsWith("publish connect")),
        stats.counts().toString());
  }
}
