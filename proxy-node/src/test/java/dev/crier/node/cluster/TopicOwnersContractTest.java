package dev.crier.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.Timeouts;
import dev.crier.node.support.TestNode;
import dev.crier.node.topic.DirectEventTransport;
import dev.crier.node.topic.HistoryCounters;
import dev.crier.node.topic.TopicEvent;
import dev.crier.node.topic.TopicOwner;
import dev.crier.node.topic.TopicOwnerSettings;
import dev.crier.node.topic.TopicOwners;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;

/**
 * What {@link TopicOwners} promises (its Javadoc), checked against the sharded owners of a real
 * node: commands from one caller reach a topic's owner in the order sent, even while sharding
 * starts it; an ask ends, with the owner's reply or a timeout after the time given.
 */
class TopicOwnersContractTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static TopicOwners owners(TestNode node) {
    // The node started the sharded owners already; this is a second handle on the same region.
    return ShardedTopicOwners.init(
        node.system(),
        TopicOwnerSettings.create(TestNode.config("")),
        new DirectEventTransport(),
        new RegistryView(64),
        new HistoryCounters(),
        Clock.systemUTC());
  }

  @Test
  void commandsFromOneCallerReachTheOwnerInTheOrderSentWhileItStarts() throws Exception {
    try (TestNode node = TestNode.start()) {
      TopicOwners owners = owners(node);
      String topic = "owners/" + UUID.randomUUID();
      TestProbe<TopicOwner.Published> replies = TestProbe.create(node.system());
      for (int i = 0; i < 200; i++) {
        owners.tell(
            topic,
            new TopicOwner.Publish(
                List.of(new TopicOwner.Draft(null, "e" + i, "k" + i)), replies.ref()));
      }
      for (int i = 0; i < 200; i++) {
        assertNull(replies.receiveMessage(WAIT).refusal());
      }
      TopicOwner.Slice slice =
          owners
              .<TopicOwner.Slice>ask(
                  topic, replyTo -> new TopicOwner.Read(null, 200, 200, replyTo), WAIT)
              .toCompletableFuture()
              .get(WAIT.toSeconds(), TimeUnit.SECONDS);
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        expected.add("e" + i);
      }
      assertEquals(expected, slice.events().stream().map(TopicEvent::data).toList());
    }
  }

  @Test
  void anAskEndsWithATimeoutWhenNoOwnerCanAnswer() throws Exception {
    // No seed reachable: no shard coordinator, so no owner can start.
    try (TestNode node =
        TestNode.startUnready("pekko.cluster.seed-nodes = [\"pekko://crier@127.0.0.1:9\"]\n")) {
      long start = System.nanoTime();
      CompletableFuture<TopicOwner.Slice> read =
          owners(node)
              .<TopicOwner.Slice>ask(
                  "owners/" + UUID.randomUUID(),
                  replyTo -> new TopicOwner.Read(null, 1, 1, replyTo),
                  Duration.ofMillis(200))
              .toCompletableFuture();
      ExecutionException failed =
          assertThrows(
              ExecutionException.class, () -> read.get(WAIT.toSeconds(), TimeUnit.SECONDS));
      long tookMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();
      assertTrue(Timeouts.anywhereIn(failed), "a timeout: " + failed.getCause());
      assertTrue(tookMillis >= 200, "not before the time given: " + tookMillis + " ms");
    }
  }
}
