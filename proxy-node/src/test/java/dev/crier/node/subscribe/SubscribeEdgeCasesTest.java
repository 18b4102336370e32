package dev.crier.node.subscribe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.Postgres;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import dev.crier.protocol.sse.SseEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The edges of a subscription on a real node: how many topics one stream may name, replay across
 * several topics, and the answer when a topic's owner cannot be reached.
 */
class SubscribeEdgeCasesTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String TOKEN = TestNode.allAccess();

  private static String query(List<String> topics) {
    return topics.stream().map(t -> "topic=" + t).collect(Collectors.joining("&"));
  }

  private static void publish(TestNode node, String topic, String data) throws Exception {
    Http.Answer a = Http.publish(node, topic, data, TOKEN);
    assertEquals(201, a.status(), a.raw().body());
  }

  /** Each event's data is {@code topic:n}: the events grouped by topic, each in arrival order. */
  private static Map<String, List<String>> byTopic(List<SseEvent> events) {
    return events.stream()
        .map(SseEvent::data)
        .collect(
            Collectors.groupingBy(
                d -> d.substring(0, d.indexOf(':')), TreeMap::new, Collectors.toList()));
  }

  @Test
  void aStreamMayNameExactlyMaxTopicsAndOneMoreIsRefused() throws Exception {
    assertEquals(
        32,
        SubscribeSettings.create(ConfigFactory.defaultReference()).maxTopics(),
        "the contract's default");
    try (TestNode node = TestNode.start("crier.subscribe.max-topics = 3\n")) {
      List<String> three = List.of("mt/a", "mt/b", "mt/c");
      // A name given twice is one topic: four names, three topics, within the limit.
      try (SseClient stream =
          SseClient.open(node.http("/events?" + query(three) + "&topic=mt/a"), TOKEN)) {
        assertEquals(200, stream.status());
        for (String topic : three) {
          publish(node, topic, topic + ":0");
        }
        assertEquals(
            Map.of("mt/a", List.of("mt/a:0"), "mt/b", List.of("mt/b:0"), "mt/c", List.of("mt/c:0")),
            byTopic(stream.next(3, WAIT)),
            "every one of the three topics is delivered");
      }

      Http.Answer four =
          Http.get(node.http("/events?" + query(List.of("mt/a", "mt/b", "mt/c", "mt/d"))), TOKEN);
      assertEquals(400, four.status(), four.raw().body());
      assertEquals("too_many_topics", four.json().get("error").asText());
      assertEquals("a subscription may name at most 3 topics", four.json().get("message").asText());
    }
  }

  @Test
  void topicsInThePathAndInTheQueryAtOnceAreRefusedNotHalfIgnored() throws Exception {
    try (TestNode node = TestNode.start()) {
      Http.Answer both = Http.get(node.http("/events/news?topic=sport"), TOKEN);
      assertEquals(400, both.status(), both.raw().body());
      assertEquals("invalid_topic", both.json().get("error").asText());
      assertTrue(both.json().get("message").asText().contains("not both"), both.raw().body());
      try (SseClient path = SseClient.open(node.http("/events/news"), TOKEN);
          SseClient query = SseClient.open(node.http("/events?topic=news"), TOKEN)) {
        assertEquals(200, path.status());
        assertEquals(200, query.status());
      }
    }
  }

  @Test
  void replayAcrossTopicsSendsEachTopicsLastEventsInOrderThenLive() throws Exception {
    try (TestNode node = TestNode.start("crier.history.max-events = 20\n")) {
      for (int i = 0; i < 5; i++) {
        publish(node, "rp/a", "rp/a:" + i);
      }
      for (int i = 0; i < 2; i++) {
        publish(node, "rp/b", "rp/b:" + i);
      }
      List<String> topics = List.of("rp/a", "rp/b", "rp/c");
      try (SseClient stream =
          SseClient.open(node.http("/events?" + query(topics) + "&replay=3"), TOKEN)) {
        assertEquals(200, stream.status());
        assertEquals(
            Map.of(
                "rp/a", List.of("rp/a:2", "rp/a:3", "rp/a:4"), "rp/b", List.of("rp/b:0", "rp/b:1")),
            byTopic(stream.next(5, WAIT)),
            "the last 3 of rp/a, all 2 of rp/b, nothing of the empty rp/c");
        assertTrue(stream.quietFor(Duration.ofMillis(500)), "more replayed than asked for");

        for (String topic : topics) {
          publish(node, topic, topic + ":live");
        }
        assertEquals(
            Map.of(
                "rp/a", List.of("rp/a:live"),
                "rp/b", List.of("rp/b:live"),
                "rp/c", List.of("rp/c:live")),
            byTopic(stream.next(3, WAIT)));
        assertTrue(stream.quietFor(Duration.ofMillis(500)), "a live event came twice");
      }
    }
  }

  /**
   * A real outage makes the owner unreachable: with the journal's database stopped, a topic's owner
   * cannot recover, so a new subscription cannot catch up within {@code crier.publish.timeout} and
   * is refused with a retry a second later; once the database is back the same request streams.
   */
  /** A stream of the topic, opened again until the node answers 200. */
  private static SseClient streamOnceServed(TestNode node, String topic) throws Exception {
    SseClient[] stream = {null};
    Await.until(
        Duration.ofSeconds(30),
        () -> {
          stream[0] = SseClient.open(node.http("/events/" + topic), TOKEN);
          if (stream[0].status() == 200) {
            return true;
          }
          stream[0].close();
          return false;
        },
        () -> topic + " was not served: " + stream[0].status());
    return stream[0];
  }

  @Test
  void aSubscriptionWhoseOwnerCannotRecoverIsRefusedWithRetryAfterOne() throws Exception {
    try (Postgres pg = Postgres.start();
        TestNode node = TestNode.start(pg.journalConfig() + "crier.publish.timeout = 1s\n")) {
      // A control: with the database up, a new topic's owner recovers within the timeout (once
      // the journal's first connections are made), so the refusal below is the outage's doing.
      try (SseClient control = streamOnceServed(node, "ou/control")) {
        pg.stop();
        Http.Answer refused = Http.get(node.http("/events/ou/new"), TOKEN);
        assertEquals(503, refused.status(), refused.raw().body());
        assertEquals("owner_unavailable", refused.json().get("error").asText());
        assertEquals("1", refused.raw().headers().firstValue("Retry-After").orElse(null));
        assertEquals(
            1,
            node.metric("crier_sse_connections{transport=\"sse\"}"),
            "the control is held, the refused stream not");

        pg.resume();
        try (SseClient recovered = streamOnceServed(node, "ou/new")) {
          publish(node, "ou/new", "ou/new:0");
          assertEquals("ou/new:0", recovered.next(WAIT).data());
        }
      }
    }
  }
}
