package dev.crier.node.subscribe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import dev.crier.protocol.sse.SseEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SubscribeFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String TOKEN = TestNode.allAccess();

  private TestNode node;

  @BeforeAll
  void start() {
    node =
        TestNode.start(
            "crier.history.max-events = 20\n"
                + "crier.subscribe.heartbeat = 300ms\n"
                + "crier.subscribe.retry = 1500ms");
  }

  @AfterAll
  void stop() {
    node.close();
  }

  private static String topic() {
    return "t/" + UUID.randomUUID();
  }

  private List<String> publish(String topic, int n, String prefix) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Http.Answer a = Http.publish(node, topic, prefix + i, TOKEN);
      assertEquals(201, a.status(), a.raw().body());
      assertEquals(topic, a.json().get("topic").asText());
      ids.add(a.json().get("id").asText());
    }
    return ids;
  }

  private static List<String> data(List<SseEvent> events) {
    return events.stream().map(SseEvent::data).toList();
  }

  @Test
  void streamStartsWithRetryThenDeliversLiveEventsWithTheirIds() throws Exception {
    String topic = topic();
    try (SseClient client = SseClient.open(node.http("/events/" + topic), TOKEN)) {
      assertEquals(200, client.status());
      assertEquals(
          "text/event-stream",
          client.response().headers().firstValue("Content-Type").orElseThrow());
      assertEquals(
          "no-cache", client.response().headers().firstValue("Cache-Control").orElseThrow());
      List<String> ids = publish(topic, 3, "live-");
      List<SseEvent> got = client.next(3, WAIT);
      assertEquals(List.of("live-0", "live-1", "live-2"), data(got));
      assertEquals(ids, got.stream().map(SseEvent::lastEventId).toList());
      assertEquals(
          new SseClient.Retry(1500, 0),
          client.retries().get(0),
          "the stream's first line is the configured retry");
    }
  }

  @Test
  void eventTypeHeaderBecomesTheSseEventField() throws Exception {
    String topic = topic();
    try (SseClient client = SseClient.open(node.http("/events/" + topic), TOKEN)) {
      Http.Answer a =
          Http.send(
              Http.auth(
                      java.net.http.HttpRequest.newBuilder(
                          node.http("/topics/" + topic + "/events")),
                      TOKEN)
                  .header("Crier-Event-Type", "order.created")
                  .POST(java.net.http.HttpRequest.BodyPublishers.ofString("line1\nline2"))
                  .build());
      assertEquals(201, a.status());
      SseEvent e = client.next(WAIT);
      assertEquals("order.created", e.type());
      assertEquals("line1\nline2", e.data());
    }
  }

  @Test
  void heartbeatCommentsComeAtTheConfiguredIntervalOnAnIdleStream() throws Exception {
    try (SseClient client = SseClient.open(node.http("/events/" + topic()), TOKEN)) {
      Await.until(
          WAIT, () -> client.comments().size() >= 8, () -> "heartbeats: " + client.comments());
      List<Long> at = client.commentNanos();
      List<Long> gaps = new ArrayList<>();
      for (int i = 1; i < at.size(); i++) {
        gaps.add(Duration.ofNanos(at.get(i) - at.get(i - 1)).toMillis());
      }
      long median = gaps.stream().sorted().toList().get(gaps.size() / 2);
      // 300 ms configured: half or twice that would be a different interval, not scheduling noise.
      assertTrue(median >= 200 && median <= 450, "heartbeat gaps (ms): " + gaps);
      assertTrue(client.received() == 0 && client.retries().size() == 1, "only comments came");
    }
  }

  @Test
  void theDefaultHeartbeatAndRetryAreTheContractsFifteenAndThreeSeconds() {
    SubscribeSettings defaults =
        SubscribeSettings.create(com.typesafe.config.ConfigFactory.defaultReference());
    assertEquals(Duration.ofSeconds(15), defaults.heartbeat());
    assertEquals(Duration.ofSeconds(3), defaults.retry());
  }

  @Test
  void replaySendsTheLastNEventsThenLive() throws Exception {
    String topic = topic();
    publish(topic, 5, "old-");
    try (SseClient client = SseClient.open(node.http("/events/" + topic + "?replay=2"), TOKEN)) {
      assertEquals(List.of("old-3", "old-4"), data(client.next(2, WAIT)));
      publish(topic, 1, "new-");
      assertEquals("new-0", client.next(WAIT).data());
    }
  }

  @Test
  void resumeByHeaderAndByQueryLosesNothingAndRepeatsNothing() throws Exception {
    String topic = topic();
    List<String> ids = publish(topic, 6, "e-");
    try (SseClient byHeader =
            SseClient.open(
                node.http("/events/" + topic),
                Map.of("Authorization", "Bearer " + TOKEN, "Last-Event-ID", ids.get(2)));
        SseClient byQuery =
            SseClient.open(node.http("/events/" + topic + "?lastEventId=" + ids.get(4)), TOKEN)) {
      assertEquals(List.of("e-3", "e-4", "e-5"), data(byHeader.next(3, WAIT)));
      assertEquals(List.of("e-5"), data(byQuery.next(1, WAIT)));
      publish(topic, 1, "after-");
      assertEquals("after-0", byHeader.next(WAIT).data());
      assertEquals("after-0", byQuery.next(WAIT).data());
      assertTrue(byHeader.quietFor(Duration.ofMillis(300)));
    }
  }

  @Test
  void resumeWhilePublishingHasNoGapAndNoDuplicate() throws Exception {
    String topic = topic();
    List<String> ids = publish(topic, 3, "a-");
    // The publisher runs before, during and after the resume: it has published at least three
    // when the client connects, and goes on until the client has been open for five more (at most
    // fifteen in all, so that history, 20 here, still holds the cursor).
    java.util.concurrent.CountDownLatch going = new java.util.concurrent.CountDownLatch(3);
    java.util.concurrent.CountDownLatch opened = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger published =
        new java.util.concurrent.atomic.AtomicInteger();
    Thread publisher =
        new Thread(
            () -> {
              try {
                int afterOpen = 0;
                while (afterOpen < 5 && published.get() < 15) {
                  publish(topic, 1, "b-" + published.get() + "-");
                  published.incrementAndGet();
                  going.countDown();
                  if (opened.getCount() == 0) {
                    afterOpen++;
                  }
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    publisher.start();
    assertTrue(going.await(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
    SseClient client =
        SseClient.open(node.http("/events/" + topic + "?lastEventId=" + ids.get(0)), TOKEN);
    opened.countDown();
    publisher.join();
    List<String> expected = new ArrayList<>(List.of("a-1", "a-2"));
    for (int i = 0; i < published.get(); i++) {
      expected.add("b-" + i + "-0");
    }
    // The queue here is 10 (half of history): a catch-up overrun by live events may cut the
    // stream, and the client then resumes with its last id, as EventSource does. Across those
    // resumes, nothing may be missing or repeated.
    List<SseEvent> got = new ArrayList<>();
    for (int resumes = 0; got.size() < expected.size(); resumes++) {
      SseClient current = client;
      int wanted = expected.size() - got.size();
      Await.until(
          WAIT,
          () -> current.received() >= wanted || current.ended().isDone(),
          () -> "expected " + expected + ", got " + data(got) + " then " + data(current.drain()));
      got.addAll(current.drain());
      if (got.size() < expected.size()) {
        assertTrue(resumes < 3, "cut off again and again: " + data(got));
        current.close();
        String last = got.isEmpty() ? ids.get(0) : got.get(got.size() - 1).lastEventId();
        client = SseClient.open(node.http("/events/" + topic + "?lastEventId=" + last), TOKEN);
      }
    }
    try (SseClient last = client) {
      assertEquals(expected, data(got));
      assertTrue(last.quietFor(Duration.ofMillis(300)));
    }
  }

  @Test
  void cursorOlderThanHistoryGivesResetThenWhatHistoryStillHoldsThenLiveEvents() throws Exception {
    String topic = topic();
    List<String> ids = publish(topic, 25, "e-");
    try (SseClient client =
        SseClient.open(node.http("/events/" + topic + "?lastEventId=" + ids.get(1)), TOKEN)) {
      SseEvent reset = client.next(WAIT);
      assertEquals("crier.reset", reset.type());
      assertEquals(
          "{\"topics\":[\""
              + topic
              + "\"],\"continuesAfter\":{\""
              + topic
              + "\":\""
              + ids.get(4)
              + "\"}}",
          reset.data());
      assertEquals(ids.get(4), reset.lastEventId());
      List<SseEvent> kept = client.next(20, WAIT);
      assertEquals(ids.subList(5, 25), kept.stream().map(SseEvent::lastEventId).toList());
      assertEquals("e-5", kept.get(0).data());
      publish(topic, 1, "live-");
      assertEquals("live-0", client.next(WAIT).data());
    }
  }

  @Test
  void severalTopicsShareOneStreamAndOneResumableCursor() throws Exception {
    String a = topic();
    String b = topic();
    String url = "/events?topic=" + a + "&topic=" + b;
    String lastId;
    try (SseClient client = SseClient.open(node.http(url), TOKEN)) {
      publish(a, 1, "a-");
      publish(b, 1, "b-");
      List<SseEvent> got = client.next(2, WAIT);
      // Each topic keeps its own order; between topics there is none to keep.
      assertEquals(java.util.Set.of("a-0", "b-0"), java.util.Set.copyOf(data(got)));
      assertNotEquals(got.get(0).lastEventId(), got.get(1).lastEventId());
      lastId = got.get(1).lastEventId();
    }
    publish(a, 1, "a2-");
    publish(b, 2, "b2-");
    try (SseClient resumed =
        SseClient.open(
            node.http(url), Map.of("Authorization", "Bearer " + TOKEN, "Last-Event-ID", lastId))) {
      List<String> got = data(resumed.next(3, WAIT));
      assertEquals(3, got.size());
      assertTrue(got.containsAll(List.of("a2-0", "b2-0", "b2-1")), got.toString());
      assertTrue(got.indexOf("b2-0") < got.indexOf("b2-1"));
      assertTrue(resumed.quietFor(Duration.ofMillis(300)));
    }
  }

  @Test
  void streamsCompleteWhenTheNodeShutsDown() throws Exception {
    TestNode own = TestNode.start();
    SseClient client = SseClient.open(own.http("/events/" + topic()), TestNode.allAccess());
    own.close();
    client.ended().get(10, java.util.concurrent.TimeUnit.SECONDS);
  }
}
