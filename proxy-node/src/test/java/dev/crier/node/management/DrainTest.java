package dev.crier.node.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.auth.TokenMinter;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /admin/drain} under load: the node stops taking subscribers, ends its streams in
 * batches over the window with a last {@code retry:}, leaves the cluster and stops; clients that
 * resume on the other node with their cursor lose nothing and see nothing twice.
 */
class DrainTest {
  private static final String TOKEN = TestNode.allAccess();
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void drainingUnderLoadLosesNothingForClientsThatResumeElsewhere() throws Exception {
    TestNode stays = TestNode.start();
    TestNode drains =
        TestNode.joining(stays, "crier.drain.window = 1s\ncrier.subscribe.retry = 2s\n");
    try {
      Await.until(WAIT, () -> stays.upMembers() >= 2, () -> "the two nodes did not form a cluster");
      String topic = "drain/" + UUID.randomUUID();
      int clients = 40;
      List<SseClient> streams = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        streams.add(SseClient.open(drains.http("/events/" + topic), TOKEN));
      }
      AtomicBoolean publishing = new AtomicBoolean(true);
      AtomicInteger published = new AtomicInteger();
      Thread publisher =
          new Thread(
              () -> {
                try {
                  while (publishing.get()) {
                    int n = published.get() + 1;
                    if (Http.publish(stays, topic, "e" + n, TOKEN).status() == 201) {
                      published.set(n);
                    }
                    Thread.sleep(10);
                  }
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      publisher.start();
      Await.until(WAIT, () -> published.get() >= 20, () -> "the publisher did not get going");

      String admin =
          new TokenMinter(TestNode.SECRET)
              .mint("ops", List.of(), List.of(), true, Duration.ofMinutes(5));
      assertEquals(
          403,
          Http.send(
                  Http.auth(HttpRequest.newBuilder(drains.management("/admin/drain")), TOKEN)
                      .POST(HttpRequest.BodyPublishers.noBody())
                      .build())
              .status());
      AtomicLongArray endedAt = new AtomicLongArray(clients);
      List<CompletableFuture<Void>> recorded = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        int c = i;
        recorded.add(
            streams
                .get(i)
                .ended()
                .whenComplete((ok, failure) -> endedAt.set(c, System.nanoTime())));
      }
      Http.Answer drain =
          Http.send(
              Http.auth(HttpRequest.newBuilder(drains.management("/admin/drain")), admin)
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build());
      assertEquals(202, drain.status(), drain.raw().body());
      assertEquals("{\"draining\":true}", drain.raw().body());
      Http.Answer refused = Http.get(drains.http("/events/" + topic), TOKEN);
      assertEquals(503, refused.status(), "a draining node takes no subscribers");
      assertEquals("draining", refused.json().get("error").asText());
      assertEquals("1", refused.raw().headers().firstValue("Retry-After").orElse(null));
      assertEquals(
          500,
          Http.get(drains.management("/ready"), null).status(),
          "a draining node is not ready");

      // Each client, once its stream ends, resumes on the other node from its last id.
      List<List<String>> seen = new ArrayList<>();
      List<SseClient> resumed = new ArrayList<>();
      java.util.Set<Long> farewells = new java.util.HashSet<>();
      for (int c = 0; c < clients; c++) {
        SseClient stream = streams.get(c);
        recorded.get(c).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        List<SseClient.Retry> retries = stream.retries();
        assertEquals(2, retries.size(), "the first retry and a farewell: " + retries);
        SseClient.Retry farewell = retries.get(1);
        assertEquals(stream.received(), farewell.eventsBefore(), "the farewell comes last");
        assertTrue(
            farewell.millis() >= 1000 && farewell.millis() <= 3000,
            "farewell retry within half and one and a half times 2 s: " + farewell);
        farewells.add(farewell.millis());
        List<SseEvent> before = stream.drain();
        List<String> data = new ArrayList<>();
        before.forEach(e -> data.add(e.data()));
        seen.add(data);
        assertTrue(!before.isEmpty(), "a stream ended before its first event");
        String lastId = before.get(before.size() - 1).lastEventId();
        resumed.add(
            SseClient.open(
                stays.http("/events/" + topic),
                Map.of("Authorization", "Bearer " + TOKEN, "Last-Event-ID", lastId)));
      }
      long first = Long.MAX_VALUE;
      long last = Long.MIN_VALUE;
      for (int c = 0; c < clients; c++) {
        first = Math.min(first, endedAt.get(c));
        last = Math.max(last, endedAt.get(c));
      }
      assertTrue(farewells.size() > 1, "farewell retries are jittered: " + farewells);
      // a 1 s window ends 40 streams in 10 batches, 100 ms apart
      long spread = Duration.ofNanos(last - first).toMillis();
      assertTrue(spread >= 500 && spread <= 2500, "streams ended within " + spread + " ms");
      int resumedAt = published.get();
      Await.until(
          WAIT,
          () -> published.get() >= resumedAt + 10,
          () -> "publishing stalled after the clients resumed");
      publishing.set(false);
      publisher.join();
      int total = published.get();
      for (int c = 0; c < clients; c++) {
        List<String> data = seen.get(c);
        SseClient again = resumed.get(c);
        while (data.size() < total) {
          data.add(again.next(WAIT).data());
        }
        List<String> expected = new ArrayList<>();
        for (int n = 1; n <= total; n++) {
          expected.add("e" + n);
        }
        assertEquals(expected, data, "client " + c);
      }
      drains
          .system()
          .getWhenTerminated()
          .toCompletableFuture()
          .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } finally {
      drains.close();
      stays.close();
    }
  }
}
