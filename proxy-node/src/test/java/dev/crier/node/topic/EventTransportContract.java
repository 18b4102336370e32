package dev.crier.node.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crier.protocol.cursor.Position;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;

/**
 * What every {@link EventTransport} promises, run against each one: events of one topic handed over
 * in order arrive at each node in that order, at most once, however topics interleave. A subclass
 * provides the transport, once its route to every node is settled (a change of route may reorder,
 * which the receiving hub repairs), and the hub directories of the nodes it delivers to.
 */
public abstract class EventTransportContract {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final long EPOCH = 1_700_000_000_000L;

  /** The transport under test. */
  protected abstract EventTransport transport();

  /** The hub directories of the nodes the transport delivers to: its own and others. */
  protected abstract List<TestProbe<TopicHubs.Command>> nodes();

  /** The nodes' hub directories as the transport's side sees them (remote refs for others). */
  protected List<ActorRef<TopicHubs.Command>> refs() {
    return nodes().stream().map(TestProbe::ref).toList();
  }

  private static TopicEvent event(String topic, long seq) {
    return new TopicEvent(topic, new Position(EPOCH, seq), null, topic + "#" + seq, seq);
  }

  /** The next {@code n} events a node's hub directory receives. */
  private static List<TopicEvent> received(TestProbe<TopicHubs.Command> node, int n) {
    List<TopicEvent> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      TopicHubs.Command message = node.receiveMessage(WAIT);
      out.add(((TopicHubs.Deliver) message).event());
    }
    return out;
  }

  @Test
  void eventsOfOneTopicArriveAtEveryNodeInOrderAndOnce() {
    String topic = "contract/" + UUID.randomUUID();
    List<TopicEvent> sent = new ArrayList<>();
    for (long seq = 1; seq <= 1000; seq++) {
      sent.add(event(topic, seq));
      transport().deliver(sent.get(sent.size() - 1), refs());
    }
    for (TestProbe<TopicHubs.Command> node : nodes()) {
      assertEquals(sent, received(node, sent.size()));
      node.expectNoMessage(Duration.ofMillis(300));
    }
  }

  @Test
  void interleavedTopicsEachKeepTheirOrder() {
    List<String> topics = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      topics.add("contract/" + UUID.randomUUID());
    }
    Map<String, List<TopicEvent>> sent = new HashMap<>();
    for (long seq = 1; seq <= 300; seq++) {
      for (String topic : topics) {
        TopicEvent e = event(topic, seq);
        sent.computeIfAbsent(topic, x -> new ArrayList<>()).add(e);
        transport().deliver(e, refs());
      }
    }
    for (TestProbe<TopicHubs.Command> node : nodes()) {
      Map<String, List<TopicEvent>> got = new HashMap<>();
      for (TopicEvent e : received(node, 900)) {
        got.computeIfAbsent(e.topic(), x -> new ArrayList<>()).add(e);
      }
      assertEquals(sent, got);
      node.expectNoMessage(Duration.ofMillis(300));
    }
  }

  @Test
  void aNodeNotNamedGetsNothing() {
    String topic = "contract/" + UUID.randomUUID();
    List<ActorRef<TopicHubs.Command>> first = List.of(refs().get(0));
    transport().deliver(event(topic, 1), first);
    assertEquals(List.of(event(topic, 1)), received(nodes().get(0), 1));
    for (TestProbe<TopicHubs.Command> other : nodes().subList(1, nodes().size())) {
      other.expectNoMessage(Duration.ofMillis(300));
    }
  }
}
