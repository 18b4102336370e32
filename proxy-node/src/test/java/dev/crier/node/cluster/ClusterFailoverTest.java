package dev.crier.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import dev.crier.protocol.sse.SseEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Nodes leaving and crashing under a running cluster: topics move and keep flowing. */
class ClusterFailoverTest {
  private static final String TOKEN = TestNode.allAccess();
  private static final Duration WAIT = Duration.ofSeconds(40);
  private static final String FAST_DOWNING =
      "pekko.cluster.split-brain-resolver.stable-after = 2s\n"
          + "pekko.cluster.failure-detector.acceptable-heartbeat-pause = 2s\n"
          + "crier.cluster.hub-resync-interval = 1s\n"
          + "crier.cluster.hub-resync-max-interval = 2s\n";

  private static void awaitUp(List<TestNode> nodes, int count) throws Exception {
    Await.until(
        WAIT,
        () -> nodes.stream().allMatch(n -> n.upMembers() == count),
        () -> "cluster did not reach " + count + " Up members");
  }

  /** Publishes until the topic's owner answers (it may be moving), and returns the event's id. */
  private static String publishUntilAccepted(TestNode node, String topic, String data)
      throws Exception {
    Http.Answer[] last = new Http.Answer[1];
    Await.until(
        WAIT,
        () -> (last[0] = Http.publish(node, topic, data, TOKEN)).status() == 201,
        () -> "publish kept failing: " + last[0].raw().body());
    return last[0].json().get("id").asText();
  }

  private static Set<String> data(List<SseEvent> events) {
    Set<String> out = new HashSet<>();
    events.forEach(e -> out.add(e.data()));
    return out;
  }

  @Test
  void topicsKeepFlowingWhenANodeCrashesAndWhenOneLeaves() throws Exception {
    TestNode a = TestNode.start(FAST_DOWNING);
    TestNode b =
        TestNode.joining(
            a, FAST_DOWNING + "pekko.coordinated-shutdown.run-by-actor-system-terminate = off\n");
    TestNode c = TestNode.joining(a, FAST_DOWNING);
    List<TestNode> all = new ArrayList<>(List.of(a, b, c));
    try {
      awaitUp(all, 3);
      List<String> topics = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        topics.add("failover/" + UUID.randomUUID());
      }
      String query = "/events?topic=" + String.join("&topic=", topics);
      SseClient onA = SseClient.open(a.http(query), TOKEN);
      SseClient onC = SseClient.open(c.http(query), TOKEN);
      String lastIdBeforeCrash = null;
      for (String topic : topics) {
        publishUntilAccepted(b, topic, "before " + topic);
      }
      List<SseEvent> before = onA.next(30, WAIT);
      lastIdBeforeCrash = before.get(29).lastEventId();
      assertEquals(30, data(onC.next(30, WAIT)).size());

      // b crashes: no leaving, its connections just drop. The others down it and re-home its
      // owners.
      b.close();
      all.remove(b);
      awaitUp(all, 2);
      for (String topic : topics) {
        publishUntilAccepted(a, topic, "after crash " + topic);
      }
      Set<String> expected = new HashSet<>();
      topics.forEach(t -> expected.add("after crash " + t));
      assertEquals(expected, data(onA.next(30, WAIT)));
      assertEquals(expected, data(onC.next(30, WAIT)));

      // Resuming from before the crash: topics whose owner was on b lost their history with it.
      try (SseClient resumed =
          SseClient.open(
              a.http(query),
              Map.of("Authorization", "Bearer " + TOKEN, "Last-Event-ID", lastIdBeforeCrash))) {
        SseEvent first = resumed.next(WAIT);
        assertEquals("crier.reset", first.type(), "continuity lost must be said, not hidden");
      }

      // c leaves gracefully: its subscriber's stream completes so that it can reconnect elsewhere.
      c.close();
      all.remove(c);
      onC.ended().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      awaitUp(all, 1);
      for (String topic : topics) {
        publishUntilAccepted(a, topic, "after leave " + topic);
      }
      Set<String> last = new HashSet<>();
      topics.forEach(t -> last.add("after leave " + t));
      assertEquals(last, data(onA.next(30, WAIT)));
      onA.close();
    } finally {
      for (TestNode node : all) {
        node.close();
      }
    }
  }
}
