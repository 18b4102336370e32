package dev.crier.node.subscribe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import dev.crier.protocol.sse.SseEvent;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Once a topic's hub is live, subscriptions without a cursor, and resumes and replays within the
 * hub's latest events, are brought up to date by the hub alone; anything further back still comes
 * from the owner's history. Either way every subscriber gets exactly what it asked for, in order.
 */
class HubServedSubscribeTest {
  private static final String TOKEN = TestNode.allAccess();
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String SERVED = "crier_subscribes_served_by_hub_total";
  private final ExecutorService pool = Executors.newFixedThreadPool(40);

  @AfterEach
  void stopPool() {
    pool.shutdownNow();
  }

  @Test
  void theHubServesWhatItsLatestEventsCoverAndTheOwnerTheRest() throws Exception {
    // No periodic resync, so that the hub is never between asks of the owner when a test
    // subscription arrives (it would then ask the owner, as it must, and the count would differ).
    try (TestNode node =
            TestNode.start(
                "crier.subscribe.recent-events = 8\n"
                    + "crier.cluster { hub-resync-interval = 1h, hub-resync-max-interval = 1h }");
        SseClient first = SseClient.open(uri(node, "t"), TOKEN)) {
      String topic = "t";
      publish(node, topic, 0, 20);
      List<SseEvent> all = first.next(20, WAIT);
      assertEquals(expected(0, 20), data(all));
      assertEquals(1, node.metric(SERVED), "the first subscriber joined at the hub's first ask");

      try (SseClient live = SseClient.open(uri(node, topic), TOKEN)) {
        assertEquals(2, node.metric(SERVED), "no cursor: joined the live hub");
        // Within the latest 8: e12…e19 are missed after e11.
        try (SseClient near = resume(node, topic, all.get(11).lastEventId());
            SseClient far = resume(node, topic, all.get(10).lastEventId());
            SseClient replayNear = SseClient.open(uri(node, topic + "?replay=8"), TOKEN);
            SseClient replayFar = SseClient.open(uri(node, topic + "?replay=9"), TOKEN)) {
          assertEquals(4, node.metric(SERVED), "the near resume and replay from the hub only");
          publish(node, topic, 20, 22);
          assertEquals(expected(20, 22), data(live.next(2, WAIT)));
          List<SseEvent> fromHub = near.next(10, WAIT);
          List<SseEvent> fromOwner = far.next(11, WAIT);
          assertEquals(expected(12, 22), data(fromHub));
          assertEquals(expected(11, 22), data(fromOwner));
          assertEquals(
              fromOwner.subList(1, 11).stream().map(SseEvent::lastEventId).toList(),
              fromHub.stream().map(SseEvent::lastEventId).toList(),
              "the hub's ids are the owner's");
          assertEquals(expected(12, 22), data(replayNear.next(10, WAIT)));
          assertEquals(expected(11, 22), data(replayFar.next(11, WAIT)));
          for (SseClient c : List.of(live, near, far, replayNear, replayFar)) {
            assertTrue(c.quietFor(Duration.ofMillis(100)), "nothing more, nothing twice");
          }
        }
      }
    }
  }

  @Test
  void subscribersWhoArriveBeforeTheHubIsLiveJoinAtThePositionItsFirstAskBrings() throws Exception {
    try (TestNode node = TestNode.start()) {
      String topic = "fresh";
      publish(node, topic, 0, 3);
      int n = 40;
      List<CompletableFuture<SseClient>> opening = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        opening.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return SseClient.open(uri(node, topic), TOKEN);
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                },
                pool));
      }
      List<SseClient> clients = new ArrayList<>();
      try {
        for (CompletableFuture<SseClient> c : opening) {
          clients.add(c.get(30, TimeUnit.SECONDS));
        }
        // None asked the owner for history: all joined the hub, waiting for its first ask or not.
        assertEquals(n, node.metric(SERVED));
        publish(node, topic, 3, 6);
        for (SseClient c : clients) {
          assertEquals(200, c.status());
          assertEquals(expected(3, 6), data(c.next(3, WAIT)), "only what came after the 200");
          assertTrue(c.quietFor(Duration.ofMillis(20)));
        }
      } finally {
        clients.forEach(SseClient::close);
      }
    }
  }

  private static SseClient resume(TestNode node, String topic, String lastId) throws Exception {
    return SseClient.open(
        uri(node, topic), Map.of("Authorization", "Bearer " + TOKEN, "Last-Event-ID", lastId));
  }

  private static URI uri(TestNode node, String topicAndQuery) {
    return node.http("/events/" + topicAndQuery);
  }

  private static void publish(TestNode node, String topic, int from, int to) throws Exception {
    for (int i = from; i < to; i++) {
      assertEquals(201, Http.publish(node, topic, "e" + i, TOKEN).status());
    }
  }

  private static List<String> expected(int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> "e" + i).toList();
  }

  private static List<String> data(List<SseEvent> events) {
    return new ArrayList<>(events.stream().map(SseEvent::data).toList());
  }
}
