package dev.crier.node.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import dev.crier.protocol.sse.SseEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/** Two nodes whose topic traffic rides the bridge's SP links instead of Artery. */
class BridgeClusterTest {
  private static final String TOKEN = TestNode.allAccess();
  private static final Duration WAIT = Duration.ofSeconds(40);

  /** Starts two nodes and waits until each has a bridge link to the other. */
  private static List<TestNode> pair(String hocon) throws Exception {
    List<TestNode> nodes = new ArrayList<>();
    nodes.add(TestNode.start(hocon));
    nodes.add(TestNode.joining(nodes.get(0), hocon));
    Await.until(
        WAIT,
        () ->
            nodes.stream().allMatch(n -> n.upMembers() == 2 && bridge(n).get("peers").size() == 1),
        () -> "the two nodes did not link their bridges");
    return nodes;
  }

  private static JsonNode bridge(TestNode node) {
    try {
      return Http.get(node.management("/crier/bridge"), null).json();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static long sum(List<TestNode> nodes, ToLongFunction<JsonNode> field) {
    long total = 0;
    for (TestNode node : nodes) {
      for (JsonNode peer : bridge(node).get("peers")) {
        total += field.applyAsLong(peer);
      }
    }
    return total;
  }

  private static void publish(TestNode node, String topic, int from, int n) throws Exception {
    StringBuilder batch = new StringBuilder("[");
    for (int i = from; i < from + n; i++) {
      batch.append(i == from ? "" : ",");
      batch.append("{\"topic\":\"").append(topic).append("\",\"data\":\"e").append(i).append("\"}");
    }
    Http.Answer a = Http.postJson(node.http("/publish"), batch.append("]").toString(), TOKEN);
    assertEquals(201, a.status(), a.raw().body());
  }

  /** Exactly events e0 … e(n-1), in order, and nothing after them for a while (no late copy). */
  private static void assertReceivesInOrder(SseClient stream, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      SseEvent event = stream.next(WAIT);
      assertEquals("e" + i, event.data());
    }
    assertTrue(stream.quietFor(Duration.ofMillis(500)), "an event came twice");
  }

  private static void closeAll(List<TestNode> nodes) {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).close();
    }
  }

  @Test
  void everyEventBetweenNodesCrossesOnceOverTheBridgeAndInOrder() throws Exception {
    List<TestNode> nodes = pair("");
    try {
      int topics = 8;
      int events = 100;
      List<String> names = new ArrayList<>();
      List<SseClient> streams = new ArrayList<>();
      for (int t = 0; t < topics; t++) {
        String topic = "bridge/" + UUID.randomUUID();
        names.add(topic);
        for (TestNode node : nodes) {
          streams.add(SseClient.open(node.http("/events/" + topic), TOKEN));
        }
      }
      for (String topic : names) {
        publish(nodes.get(0), topic, 0, events / 2);
        publish(nodes.get(1), topic, events / 2, events / 2);
      }
      for (SseClient stream : streams) {
        assertReceivesInOrder(stream, events);
      }
      // Each event has subscribers on both nodes, so it crosses from its owner's node exactly once.
      Await.until(
          WAIT,
          () -> sum(nodes, p -> p.get("frames").asLong()) >= (long) topics * events,
          () -> "frames: " + bridge(nodes.get(0)));
      assertEquals((long) topics * events, sum(nodes, p -> p.get("frames").asLong()));
      assertEquals(0, sum(nodes, p -> p.get("viaArtery").asLong()));
      assertEquals(0, sum(nodes, p -> p.get("drops").asLong()));
      long inbound = 0;
      for (TestNode node : nodes) {
        inbound += bridge(node).get("inbound").get("frames").asLong();
      }
      // plus one Hello per link
      assertEquals((long) topics * events + 2, inbound);
    } finally {
      closeAll(nodes);
    }
  }

  @Test
  void aPeerThatFallsBehindLosesQueuedMessagesButItsSubscribersLoseNothing() throws Exception {
    List<TestNode> nodes =
        pair(
            "crier.bridge.send-queue = 4\ncrier.cluster.hub-resync-interval = 1s\n"
                + "crier.cluster.hub-resync-max-interval = 2s\n");
    try {
      String topic = "bridge/" + UUID.randomUUID();
      List<SseClient> streams = new ArrayList<>();
      for (TestNode node : nodes) {
        streams.add(SseClient.open(node.http("/events/" + topic), TOKEN));
      }
      int events = 2000;
      for (int from = 0; from < events; from += 500) {
        publish(nodes.get(from / 500 % 2), topic, from, 500);
      }
      for (SseClient stream : streams) {
        assertReceivesInOrder(stream, events);
      }
      assertTrue(
          sum(nodes, p -> p.get("drops").asLong()) > 0,
          "a queue of 4 should have overflowed: " + bridge(nodes.get(0)));
    } finally {
      closeAll(nodes);
    }
  }
}
