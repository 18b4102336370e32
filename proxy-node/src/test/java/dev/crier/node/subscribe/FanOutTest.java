package dev.crier.node.subscribe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import dev.crier.protocol.sse.SseEvent;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FanOutTest {
  private static final String TOKEN = TestNode.allAccess();
  private TestNode node;

  @AfterEach
  void stop() {
    node.close();
  }

  /** Publishes {@code n} events in batches of 100 through POST /publish. */
  private void publishBatches(String topic, int n, String payload) throws Exception {
    for (int from = 0; from < n; from += 100) {
      StringBuilder json = new StringBuilder("[");
      for (int i = from; i < Math.min(n, from + 100); i++) {
        json.append(i == from ? "" : ",")
            .append("{\"topic\":\"")
            .append(topic)
            .append("\",\"data\":\"")
            .append(i)
            .append(payload)
            .append("\"}");
      }
      Http.Answer a = Http.postJson(node.http("/publish"), json.append("]").toString(), TOKEN);
      assertEquals(201, a.status(), a.raw().body());
    }
  }

  /**
   * With the hub handing each event to 3 subscribers per turn, batches of events reach 10 readers
   * (some joining, one resuming, one leaving while events are still being handed out) complete and
   * in order.
   */
  @Test
  void aFanOutHandedOutInSlicesKeepsEveryStreamCompleteAndInOrder() throws Exception {
    node = TestNode.start("crier.subscribe.fan-out-slice = 3");
    String topic = "sliced/" + UUID.randomUUID();
    List<SseClient> readers = new ArrayList<>();
    try {
      for (int i = 0; i < 8; i++) {
        readers.add(SseClient.open(node.http("/events/" + topic), TOKEN));
      }
      SseClient leaving = SseClient.open(node.http("/events/" + topic), TOKEN);
      publishBatches(topic, 0, 200);
      leaving.close();
      SseClient joining = SseClient.open(node.http("/events/" + topic), TOKEN);
      List<SseEvent> first = readers.get(0).next(200, Duration.ofSeconds(30));
      SseClient resuming = resume(topic, first.get(149).lastEventId());
      publishBatches(topic, 200, 400);
      assertEquals(expected(0, 400), data(first, readers.get(0).next(200, Duration.ofSeconds(30))));
      for (SseClient reader : readers.subList(1, readers.size())) {
        assertEquals(expected(0, 400), data(reader.next(400, Duration.ofSeconds(30)), List.of()));
      }
      assertEquals(expected(150, 400), data(resuming.next(250, Duration.ofSeconds(30)), List.of()));
      // Joined after the first 200 were published: the rest, from wherever the hub was.
      List<String> joined = data(joining.settle(Duration.ofMillis(300)), List.of());
      assertTrue(joined.size() >= 200, "joined late, got " + joined.size());
      assertEquals(expected(400 - joined.size(), 400), joined);
      for (SseClient c : List.of(readers.get(1), resuming, joining)) {
        assertTrue(c.quietFor(Duration.ofMillis(50)), "nothing twice");
      }
      resuming.close();
      joining.close();
    } finally {
      readers.forEach(SseClient::close);
    }
  }

  private SseClient resume(String topic, String lastEventId) throws Exception {
    return SseClient.open(
        node.http("/events/" + topic),
        Map.of("Authorization", "Bearer " + TOKEN, "Last-Event-ID", lastEventId));
  }

  private void publishBatches(String topic, int from, int to) throws Exception {
    for (int start = from; start < to; start += 50) {
      List<String> batch = new ArrayList<>();
      for (int i = start; i < Math.min(to, start + 50); i++) {
        batch.add("e" + i);
      }
      assertEquals(201, Http.publishBatch(node.http("/publish"), topic, batch, TOKEN).status());
    }
  }

  private static List<String> expected(int from, int to) {
    List<String> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add("e" + i);
    }
    return out;
  }

  private static List<String> data(List<SseEvent> a, List<SseEvent> b) {
    List<String> out = new ArrayList<>();
    a.forEach(e -> out.add(e.data()));
    b.forEach(e -> out.add(e.data()));
    return out;
  }

  @Test
  void hundredSubscribersEachReceiveThousandEventsInOrder() throws Exception {
    node = TestNode.start();
    String topic = "fan/" + UUID.randomUUID();
    List<SseClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 100; i++) {
        clients.add(SseClient.open(node.http("/events/" + topic), TOKEN));
      }
      publishBatches(topic, 1000, "");
      for (SseClient client : clients) {
        List<SseEvent> got = client.next(1000, Duration.ofSeconds(60));
        for (int i = 0; i < 1000; i++) {
          assertEquals(String.valueOf(i), got.get(i).data());
        }
        assertTrue(client.quietFor(Duration.ofMillis(20)));
      }
    } finally {
      clients.forEach(SseClient::close);
    }
  }

  /** How fast the readers of one run got their events, and the subscriber that never read. */
  private record Run(long p50Millis, long p99Millis, SseClient stuck) {}

  /**
   * Five readers (and optionally one subscriber that never reads) on a fresh topic; {@code n}
   * events published one by one; every reader must get every event in order. Latency is from the
   * start of an event's publish to its arrival at a reader.
   */
  private Run fanOut(String topic, int n, String payload, boolean withStuck) throws Exception {
    SseClient stuck =
        withStuck ? SseClient.openNotReading(node.http("/events/" + topic), TOKEN) : null;
    List<SseClient> readers = new ArrayList<>();
    try {
      for (int i = 0; i < 5; i++) {
        readers.add(SseClient.open(node.http("/events/" + topic), TOKEN));
      }
      long[] sentAt = new long[n];
      for (int i = 0; i < n; i++) {
        sentAt[i] = System.nanoTime();
        Http.Answer a =
            Http.send(
                Http.auth(HttpRequest.newBuilder(node.http("/topics/" + topic + "/events")), TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString(i + payload))
                    .build());
        assertEquals(201, a.status());
      }
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        expected.add(i + payload);
      }
      List<Long> latencies = new ArrayList<>();
      for (SseClient reader : readers) {
        List<String> got =
            reader.next(n, Duration.ofSeconds(60)).stream().map(SseEvent::data).toList();
        assertEquals(expected, got, "a reader's events, in order");
        List<Long> arrivals = reader.arrivalNanos();
        for (int i = 0; i < n; i++) {
          latencies.add(arrivals.get(i) - sentAt[i]);
        }
      }
      latencies.sort(null);
      return new Run(
          Duration.ofNanos(latencies.get(latencies.size() / 2)).toMillis(),
          Duration.ofNanos(latencies.get(latencies.size() * 99 / 100)).toMillis(),
          stuck);
    } finally {
      readers.forEach(SseClient::close);
    }
  }

  @Test
  void aSubscriberThatNeverReadsIsCutOffAsSlowWithoutDelayingTheOthersAndResumesLosingNothing()
      throws Exception {
    node = TestNode.start("crier.subscribe { buffer-size = 64, buffer-bytes = 64 KiB }");
    String payload = "x".repeat(16 * 1024);
    // 2,000 events of 16 KiB (32 MiB) overflow the socket buffers, buffer-bytes and buffer-size.
    int n = 2000;
    String slowMetric = "crier_sse_disconnects_total{reason=\"slow_consumer\",transport=\"sse\"}";
    Run alone = fanOut("alone/" + UUID.randomUUID(), n, payload, false);
    assertEquals(0, node.metric(slowMetric), "nobody was slow without the stuck subscriber");
    String topic = "slow/" + UUID.randomUUID();
    Run withStuck = fanOut(topic, n, payload, true);
    SseClient stuck = withStuck.stuck();
    try {
      System.out.println(
          "fan-out latency alone " + alone + ", with a stuck subscriber " + withStuck);
      // Generous bounds: a hub that waited on the stuck subscriber would stall the others for as
      // long as it waited (a 200 ms wait shows in the p99), not by milliseconds of scheduling
      // noise.
      assertTrue(
          withStuck.p50Millis() <= 2 * alone.p50Millis() + 20
              && withStuck.p99Millis() <= 3 * alone.p99Millis() + 50,
          "readers with a stuck subscriber " + withStuck + " vs without " + alone);
      Await.until(
          Duration.ofSeconds(10),
          () -> node.metric(slowMetric) == 1,
          () -> "the stuck subscriber was not cut off as slow_consumer");
      // Its socket still holds what was written before the cut: read it, then the stream ends.
      stuck.resumeReading();
      stuck.ended().handle((ok, failure) -> null).get(30, TimeUnit.SECONDS);
      List<SseEvent> before = stuck.drain();
      assertTrue(before.size() < n, "a cut-off subscriber got " + before.size() + " of " + n);
      for (int i = 0; i < before.size(); i++) {
        assertEquals(i + payload, before.get(i).data(), "event " + i + " before the cut");
      }
      try (SseClient resumed = resume(topic, before.get(before.size() - 1).lastEventId())) {
        List<SseEvent> rest = resumed.next(n - before.size(), Duration.ofSeconds(60));
        for (int i = 0; i < rest.size(); i++) {
          assertEquals(before.size() + i + payload, rest.get(i).data(), "event after the cut");
        }
        assertTrue(resumed.quietFor(Duration.ofMillis(300)), "more than the missing events came");
      }
    } finally {
      stuck.close();
    }
  }
}
