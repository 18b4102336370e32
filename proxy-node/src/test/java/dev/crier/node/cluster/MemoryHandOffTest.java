package dev.crier.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import dev.crier.protocol.sse.SseEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Memory mode, no database: a drain of one node under load, then a rebalance onto a node that
 * joins, move topic owners while events flow. Each owner hands its history, keys and epoch to its
 * next incarnation, so subscribers on every node (and the drained node's, resuming elsewhere with
 * its last id) get every acknowledged event once, without a reset.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MemoryHandOffTest {
  private static final String TOKEN = TestNode.allAccess();
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String FAST_REBALANCE = "pekko.cluster.sharding.rebalance-interval = 1s\n";

  @Test
  void drainAndRebalanceInMemoryModeLoseNothingAndResetNothing() throws Exception {
    TestNode a = TestNode.start(FAST_REBALANCE);
    TestNode b = TestNode.joining(a, FAST_REBALANCE);
    TestNode c = TestNode.joining(a, FAST_REBALANCE + "crier.drain.window = 1s\n");
    List<TestNode> all = new ArrayList<>(List.of(a, b, c));
    try {
      Await.until(WAIT, () -> a.upMembers() >= 3, () -> "the nodes did not form a cluster");
      List<String> topics = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        topics.add("handoff/" + UUID.randomUUID());
      }
      String query = "/events?topic=" + String.join("&topic=", topics);
      SseClient onA = SseClient.open(a.http(query), TOKEN);
      SseClient onB = SseClient.open(b.http(query), TOKEN);
      SseClient onC = SseClient.open(c.http(query), TOKEN);
      List<SseEvent> seenByC = Collections.synchronizedList(new ArrayList<>());

      Set<String> acked = Collections.synchronizedSet(new HashSet<>());
      AtomicBoolean publishing = new AtomicBoolean(true);
      Thread publisher =
          new Thread(
              () -> {
                for (int n = 0; publishing.get(); n++) {
                  String data = "e" + n;
                  try {
                    if (Http.publish(a, topics.get(n % topics.size()), data, TOKEN).status()
                        == 201) {
                      acked.add(data);
                    }
                    Thread.sleep(5);
                  } catch (Exception e) {
                    return;
                  }
                }
              });
      publisher.start();
      Await.until(WAIT, () -> acked.size() >= 100, () -> "the publisher did not get going");

      // A client that goes away now and comes back after both moves, with this cursor.
      List<SseEvent> beforeDrainOnA = new ArrayList<>(onA.next(1, WAIT));
      beforeDrainOnA.addAll(onA.drain());
      String cursorBeforeDrain = beforeDrainOnA.get(beforeDrainOnA.size() - 1).lastEventId();
      Set<String> seenBeforeDrain =
          beforeDrainOnA.stream().map(SseEvent::data).collect(Collectors.toSet());

      Http.Answer drain = c.drain();
      assertEquals(202, drain.status(), drain.raw().body());
      onC.ended().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      seenByC.addAll(onC.drain());
      String lastId = seenByC.get(seenByC.size() - 1).lastEventId();
      SseClient[] resumed = new SseClient[1];
      Await.until(
          WAIT,
          () -> {
            resumed[0] =
                SseClient.open(
                    b.http(query),
                    Map.of("Authorization", "Bearer " + TOKEN, "Last-Event-ID", lastId));
            if (resumed[0].status() != 200) {
              resumed[0].close();
              return false;
            }
            return true;
          },
          () -> "the drained node's subscriber could not resume on another node");
      SseClient resumedC = resumed[0];
      Await.until(WAIT, () -> a.upMembers() == 2, () -> "the drained node did not leave");
      all.remove(c);
      c.close();

      TestNode d = TestNode.joining(a, FAST_REBALANCE);
      all.add(d);
      Await.until(
          WAIT, () -> ownedHere(d) > 0, () -> "no topic owner was rebalanced onto the new node");
      // Events keep flowing for a while after the rebalance.
      int atRebalance = acked.size();
      Await.until(
          WAIT,
          () -> acked.size() >= atRebalance + 200,
          () -> "publishing stalled after the rebalance");
      publishing.set(false);
      publisher.join();

      SseClient late =
          SseClient.open(
              b.http(query),
              Map.of("Authorization", "Bearer " + TOKEN, "Last-Event-ID", cursorBeforeDrain));
      assertEquals(200, late.status());
      Set<String> ackedAfterCursor = new HashSet<>(acked);
      ackedAfterCursor.removeAll(seenBeforeDrain);
      List<SseEvent> lateView = new ArrayList<>();
      Await.until(
          WAIT,
          () -> {
            lateView.addAll(late.drain());
            return lateView.stream().anyMatch(e -> "crier.reset".equals(e.type()))
                || lateView.stream()
                    .map(SseEvent::data)
                    .collect(Collectors.toSet())
                    .containsAll(ackedAfterCursor);
          },
          () -> "acknowledged events missing after a resume across the moves");
      assertEquals(
          List.of(),
          lateView.stream()
              .filter(e -> "crier.reset".equals(e.type()))
              .map(SseEvent::data)
              .toList(),
          "a cursor from before the drain must resume across both moves without a reset");
      List<String> lateData = lateView.stream().map(SseEvent::data).toList();
      assertEquals(lateData.size(), new HashSet<>(lateData).size(), "duplicates after the moves");
      Set<String> replayedTwice = new HashSet<>(lateData);
      replayedTwice.retainAll(seenBeforeDrain);
      assertEquals(Set.of(), replayedTwice, "events before the cursor came again");

      List<SseClient> readers = List.of(onA, onB, resumedC);
      List<List<SseEvent>> views =
          List.of(new ArrayList<>(beforeDrainOnA), new ArrayList<>(), new ArrayList<>(seenByC));
      for (int i = 0; i < readers.size(); i++) {
        List<SseEvent> view = views.get(i);
        SseClient reader = readers.get(i);
        Await.until(
            WAIT,
            () -> {
              view.addAll(reader.drain());
              return view.stream()
                  .map(SseEvent::data)
                  .collect(Collectors.toSet())
                  .containsAll(acked);
            },
            () -> "acknowledged events missing");
        assertTrue(reader.quietFor(Duration.ofMillis(300)), "more events than published came");
        List<String> data = view.stream().map(SseEvent::data).toList();
        assertEquals(
            0, view.stream().filter(e -> "crier.reset".equals(e.type())).count(), "resets");
        assertEquals(data.size(), new HashSet<>(data).size(), "duplicates at subscriber " + i);
        assertTrue(new HashSet<>(data).containsAll(acked));
      }
    } finally {
      for (TestNode node : all) {
        node.close();
      }
    }
  }

  /** Events kept by the owners on this node. */
  private static long ownedHere(TestNode node) throws Exception {
    return (long) node.metric("crier_history_events");
  }
}
