package dev.crier.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.NodeProcess;
import dev.crier.node.support.SseClient;
import dev.crier.protocol.cursor.Position;
import dev.crier.protocol.sse.SseEvent;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Three node processes in memory mode: one is killed with SIGKILL, one leaves with SIGTERM. Live
 * subscribers see every topic continue, each in order and once; a subscriber resuming from before
 * the crash is told, by a {@code crier.reset} naming exactly the topics whose history died with the
 * killed node, what it cannot have, and gets everything else; one resuming after the graceful leave
 * loses nothing at all.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ClusterFailoverIT {
  private static final String SECRET = "failover-secret-0123456789abcdef0123456789";
  private static final Duration WAIT = Duration.ofSeconds(40);
  private static final Duration QUIET = Duration.ofSeconds(1);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int TOPICS = 30;
  private static final int PER_TOPIC = 3;

  @Test
  void topicsContinueInOrderWhenANodeIsKilledAndWhenOneLeaves() throws Exception {
    List<NodeProcess> nodes =
        NodeProcess.cluster(
            3,
            SECRET,
            Map.of("CRIER_HISTORY_STORE", "memory"),
            List.of(
                "crier.drain.window=1s",
                "crier.cluster.hub-resync-interval=1s",
                "crier.cluster.hub-resync-max-interval=2s"));
    try {
      NodeProcess a = nodes.get(0);
      NodeProcess killed = nodes.get(1);
      NodeProcess leaves = nodes.get(2);
      awaitUp(a, 3);
      awaitUp(leaves, 3);
      String subscriber = a.printed("crier: dev subscriber token:");
      String publisher = a.printed("crier: dev publisher token:");
      List<String> topics = new ArrayList<>();
      for (int i = 0; i < TOPICS; i++) {
        topics.add("failover/" + UUID.randomUUID());
      }
      String query = "/events?topic=" + String.join("&topic=", topics);
      SseClient onA = SseClient.open(a.http(query), subscriber);
      SseClient onLeaving = SseClient.open(leaves.http(query), subscriber);

      Map<String, Position> beforeCrash = publishAll(killed, topics, "before", publisher);
      Map<String, List<String>> expectedBefore = expected(topics, "before");
      List<SseEvent> onABefore = onA.next(TOPICS * PER_TOPIC, WAIT);
      assertEquals(expectedBefore, byTopic(onABefore));
      assertEquals(expectedBefore, byTopic(onLeaving.next(TOPICS * PER_TOPIC, WAIT)));
      assertTrue(onA.quietFor(QUIET) && onLeaving.quietFor(QUIET), "late duplicates");
      String lastIdBeforeCrash = onABefore.get(onABefore.size() - 1).lastEventId();

      killed.process().destroyForcibly();
      assertTrue(killed.process().waitFor(30, TimeUnit.SECONDS));
      awaitUp(a, 2);
      Map<String, Position> afterCrash = publishAll(a, topics, "crash", publisher);
      Set<String> lost = new HashSet<>();
      for (String topic : topics) {
        if (afterCrash.get(topic).epoch() != beforeCrash.get(topic).epoch()) {
          lost.add(topic);
        }
      }
      assertFalse(lost.isEmpty(), "the killed node owned none of " + TOPICS + " topics");
      assertTrue(lost.size() < TOPICS, "the killed node owned every topic");
      Map<String, List<String>> expectedCrash = expected(topics, "crash");
      assertEquals(expectedCrash, byTopic(onA.next(TOPICS * PER_TOPIC, WAIT)));
      List<SseEvent> onLeavingCrash = onLeaving.next(TOPICS * PER_TOPIC, WAIT);
      assertEquals(expectedCrash, byTopic(onLeavingCrash));
      assertTrue(onA.quietFor(QUIET) && onLeaving.quietFor(QUIET), "late duplicates");

      try (SseClient resumed =
          SseClient.open(
              a.http(query),
              Map.of(
                  "Authorization", "Bearer " + subscriber, "Last-Event-ID", lastIdBeforeCrash))) {
        SseEvent reset = resumed.next(WAIT);
        assertEquals("crier.reset", reset.type(), "continuity lost must be said, not hidden");
        Set<String> named = new HashSet<>();
        JSON.readTree(reset.data()).get("topics").forEach(t -> named.add(t.asText()));
        assertEquals(lost, named, "the reset names exactly the topics whose history was lost");
        assertEquals(
            expectedCrash,
            byTopic(resumed.next(TOPICS * PER_TOPIC, WAIT)),
            "after the reset, every topic's events since the cursor, the lost ones' from the"
                + " start of their new history");
        assertTrue(resumed.quietFor(QUIET), "late duplicates");
      }

      leaves.process().destroy();
      onLeaving.ended().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertEquals(0, leaves.process().waitFor(), "a SIGTERM drains and exits 0");
      assertTrue(onLeaving.drain().isEmpty(), "nothing came while the node drained");
      String lastIdOnLeaving = onLeavingCrash.get(onLeavingCrash.size() - 1).lastEventId();
      awaitUp(a, 1);
      Map<String, Position> afterLeave = publishAll(a, topics, "leave", publisher);
      for (String topic : topics) {
        assertEquals(
            afterCrash.get(topic).epoch(),
            afterLeave.get(topic).epoch(),
            "a graceful leave hands the owner over with its history: " + topic);
      }
      Map<String, List<String>> expectedLeave = expected(topics, "leave");
      assertEquals(expectedLeave, byTopic(onA.next(TOPICS * PER_TOPIC, WAIT)));
      assertTrue(onA.quietFor(QUIET), "late duplicates");
      try (SseClient moved =
          SseClient.open(
              a.http(query),
              Map.of("Authorization", "Bearer " + subscriber, "Last-Event-ID", lastIdOnLeaving))) {
        assertEquals(
            expectedLeave,
            byTopic(moved.next(TOPICS * PER_TOPIC, WAIT)),
            "the drained subscriber resumes elsewhere without a reset and without a gap");
        assertTrue(moved.quietFor(QUIET), "late duplicates");
      }
      onA.close();
    } finally {
      nodes.forEach(NodeProcess::close);
    }
  }

  /**
   * Publishes {@code PER_TOPIC} events to every topic, each with its own idempotency key so that a
   * retry while an owner moves cannot store it twice; returns each topic's last position.
   */
  private static Map<String, Position> publishAll(
      NodeProcess node, List<String> topics, String phase, String token) throws Exception {
    Map<String, Position> last = new HashMap<>();
    for (int k = 0; k < PER_TOPIC; k++) {
      for (String topic : topics) {
        String data = topic + "|" + phase + "|" + k;
        HttpRequest request =
            Http.auth(HttpRequest.newBuilder(node.http("/topics/" + topic + "/events")), token)
                .header("Crier-Idempotency-Key", UUID.randomUUID().toString())
                .POST(HttpRequest.BodyPublishers.ofString(data))
                .build();
        Http.Answer[] answer = new Http.Answer[1];
        Await.until(
            WAIT,
            () -> (answer[0] = Http.send(request)).status() == 201,
            () -> "publish kept failing: " + answer[0].raw().body());
        last.put(topic, Position.parse(answer[0].json().get("id").asText()));
      }
    }
    return last;
  }

  private static Map<String, List<String>> expected(List<String> topics, String phase) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String topic : topics) {
      List<String> events = new ArrayList<>();
      for (int k = 0; k < PER_TOPIC; k++) {
        events.add(phase + "|" + k);
      }
      out.put(topic, events);
    }
    return out;
  }

  /** Each topic's events in the order they came: between topics there is no order to keep. */
  private static Map<String, List<String>> byTopic(List<SseEvent> events) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (SseEvent e : events) {
      int bar = e.data().indexOf('|');
      assertTrue(bar > 0, "not a published event: " + e);
      out.computeIfAbsent(e.data().substring(0, bar), t -> new ArrayList<>())
          .add(e.data().substring(bar + 1));
    }
    return out;
  }

  private static void awaitUp(NodeProcess node, int count) throws Exception {
    Await.until(
        WAIT,
        () -> {
          JsonNode members = Http.get(node.management("/cluster/members"), null).json();
          int up = 0;
          for (JsonNode m : members.get("members")) {
            up += "Up".equals(m.get("status").asText()) ? 1 : 0;
          }
          return up == count && members.get("unreachable").isEmpty();
        },
        () -> "the cluster did not settle at " + count + " Up members");
  }
}
