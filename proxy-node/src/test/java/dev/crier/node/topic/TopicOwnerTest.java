package dev.crier.node.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.LocalActors;
import dev.crier.node.support.ManualClock;
import dev.crier.protocol.cursor.Position;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestKitJUnit5Extension.class)
@ExtendWith(LogCapturingExtension.class)
class TopicOwnerTest {
  /** History in memory only, as in {@code crier.history.store = memory}. */
  static final HistoryStoreSettings MEMORY =
      new HistoryStoreSettings(
          false,
          "",
          "",
          "",
          1,
          1000,
          1000,
          java.time.Duration.ZERO,
          java.time.Duration.ofMinutes(1));

  @JUnit5TestKit
  public ActorTestKit testKit =
      new JUnit5TestKitBuilder().withCustomConfig(LocalActors.config()).build();

  private final ManualClock clock = new ManualClock(1_700_000_000_000L);

  /** Plays the hub directory of a node with subscribers for the topic. */
  private final TestProbe<TopicHubs.Command> node = testKit.createTestProbe();

  private final String topic = "owner/" + UUID.randomUUID();

  private ActorRef<TopicOwner.Command> owner(int maxEvents, Duration maxAge, Duration window) {
    return testKit.spawn(
        TopicOwner.create(
            topic,
            new TopicOwnerSettings(
                new HistorySettings(maxEvents, maxAge), new DedupeSettings(window, 100), 2, MEMORY),
            new DirectEventTransport(),
            t -> Set.of(node.ref()),
            new HistoryCounters(),
            clock,
            OwnerMoves.NONE));
  }

  private TopicOwner.Published schedule(
      ActorRef<TopicOwner.Command> owner, String data, long inMillis) {
    TestProbe<TopicOwner.Published> reply = testKit.createTestProbe();
    owner.tell(
        new TopicOwner.Publish(
            List.of(new TopicOwner.Draft(null, data, null, clock.millis() + inMillis)),
            reply.ref()));
    return reply.receiveMessage();
  }

  private TopicOwner.CancelResult cancel(ActorRef<TopicOwner.Command> owner, String id) {
    TestProbe<TopicOwner.CancelResult> reply = testKit.createTestProbe();
    owner.tell(new TopicOwner.Cancel(id, reply.ref()));
    return reply.receiveMessage();
  }

  @Test
  void scheduledEventsAreSequencedWhenDueAndCanBeCancelledBefore() {
    ActorRef<TopicOwner.Command> owner = owner(100, Duration.ofHours(1), Duration.ofMinutes(5));
    TopicOwner.Accepted later = schedule(owner, "later", 300).accepted().get(0);
    TopicOwner.Accepted never = schedule(owner, "never", 300).accepted().get(0);
    assertTrue(later.scheduled());
    assertTrue(later.id().startsWith(TopicOwner.SCHEDULE_ID_PREFIX));
    TopicOwner.Published full = schedule(owner, "too many", 300);
    assertTrue(full.accepted().isEmpty());
    assertTrue(full.refusal().contains("2 scheduled events"), full.refusal());
    publish(owner, "now");
    assertEquals("now", nextEvent(Duration.ofSeconds(3)).data());
    assertEquals(TopicOwner.CancelResult.CANCELLED, cancel(owner, never.id()));
    TopicEvent due = nextEvent(Duration.ofSeconds(5));
    assertEquals("later", due.data());
    assertEquals(2, due.seq());
    node.expectNoMessage(Duration.ofMillis(500));
    assertEquals(TopicOwner.CancelResult.ALREADY_DELIVERED, cancel(owner, later.id()));
    assertEquals(TopicOwner.CancelResult.UNKNOWN, cancel(owner, never.id()));
    assertEquals(TopicOwner.CancelResult.UNKNOWN, cancel(owner, "s1-1"));
    TopicOwner.Accepted past = schedule(owner, "past", -1000).accepted().get(0);
    assertEquals(false, past.scheduled());
    assertEquals("past", nextEvent(Duration.ofSeconds(3)).data());
  }

  private TopicEvent nextEvent(Duration within) {
    return ((TopicHubs.Deliver) node.receiveMessage(within)).event();
  }

  private TopicOwner.Published publish(ActorRef<TopicOwner.Command> owner, String... data) {
    TestProbe<TopicOwner.Published> reply = testKit.createTestProbe();
    List<TopicOwner.Draft> drafts =
        java.util.Arrays.stream(data).map(d -> new TopicOwner.Draft(null, d, null)).toList();
    owner.tell(new TopicOwner.Publish(drafts, reply.ref()));
    return reply.receiveMessage();
  }

  private TopicOwner.Published publishKeyed(
      ActorRef<TopicOwner.Command> owner, String data, String key) {
    TestProbe<TopicOwner.Published> reply = testKit.createTestProbe();
    owner.tell(new TopicOwner.Publish(List.of(new TopicOwner.Draft("t", data, key)), reply.ref()));
    return reply.receiveMessage();
  }

  private TopicOwner.Slice read(
      ActorRef<TopicOwner.Command> owner, Position after, int last, int limit) {
    TestProbe<TopicOwner.Slice> reply = testKit.createTestProbe();
    owner.tell(new TopicOwner.Read(after, last, limit, reply.ref()));
    return reply.receiveMessage();
  }

  private static List<String> data(TopicOwner.Slice slice) {
    return slice.events().stream().map(TopicEvent::data).toList();
  }

  @Test
  void subscribersGetEachEventOnceInOrderUnderTheIdItsPublisherWasGiven() {
    ActorRef<TopicOwner.Command> owner = owner(100, Duration.ofHours(1), Duration.ofMinutes(1));
    List<String> answered = new ArrayList<>();
    publish(owner, "a", "b").accepted().forEach(a -> answered.add(a.id()));
    publish(owner, "c").accepted().forEach(a -> answered.add(a.id()));
    assertEquals(3, Set.copyOf(answered).size(), "every event its own id: " + answered);
    publish(owner, "end");
    List<TopicEvent> delivered = new ArrayList<>();
    for (TopicEvent e = nextEvent(Duration.ofSeconds(3)); ; e = nextEvent(Duration.ofSeconds(3))) {
      delivered.add(e);
      if (e.data().equals("end")) {
        break;
      }
    }
    // Events of a topic reach a node in order: a late duplicate would come before "end".
    assertEquals(List.of("a", "b", "c", "end"), delivered.stream().map(TopicEvent::data).toList());
    assertEquals(
        answered,
        delivered.subList(0, 3).stream().map(e -> e.position().toString()).toList(),
        "the id a publisher is answered is the id its subscribers see");
    assertTrue(delivered.stream().allMatch(e -> e.topic().equals(topic)));
    // Each id, taken as a cursor, resumes exactly after its event.
    List<String> rest = List.of("b", "c", "end");
    for (int i = 0; i < answered.size(); i++) {
      TopicOwner.Slice after = read(owner, Position.parse(answered.get(i)), 0, 100);
      assertEquals(rest.subList(i, rest.size()), data(after), "after " + answered.get(i));
      assertFalse(after.continuityLost());
    }
  }

  @Test
  void sendsToNodesThatReadAndStopsWhenTheyAreIdle() {
    ActorRef<TopicOwner.Command> owner = owner(100, Duration.ofHours(1), Duration.ofMinutes(1));
    TestProbe<TopicHubs.Command> other = testKit.createTestProbe();
    TestProbe<TopicOwner.Slice> reply = testKit.createTestProbe();
    owner.tell(new TopicOwner.Read(null, 0, 10, reply.ref(), other.ref()));
    reply.receiveMessage();
    publish(owner, "both");
    assertEquals("both", nextEvent(Duration.ofSeconds(3)).data());
    assertEquals("both", ((TopicHubs.Deliver) other.receiveMessage()).event().data());
    owner.tell(new TopicOwner.NodeIdle(other.ref()));
    publish(owner, "one");
    assertEquals("one", nextEvent(Duration.ofSeconds(3)).data());
    other.expectNoMessage(Duration.ofMillis(200));
    node.stop();
    publish(owner, "none");
    other.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void readsAfterAPositionOrTheLastN() {
    ActorRef<TopicOwner.Command> owner = owner(100, Duration.ofHours(1), Duration.ofMinutes(1));
    Position second = publish(owner, "a", "b", "c", "d").accepted().get(1).position();
    TopicOwner.Slice after = read(owner, second, 0, 100);
    assertEquals(List.of("c", "d"), data(after));
    assertFalse(after.continuityLost());
    assertEquals(4, after.headSeq());
    assertEquals(List.of("c"), data(read(owner, second, 0, 1)));
    assertEquals(List.of("c", "d"), data(read(owner, null, 2, 100)));
    assertEquals(List.of(), data(read(owner, null, 0, 100)));
    assertEquals(List.of(), data(read(owner, new Position(second.epoch(), 4), 0, 100)));
  }

  @Test
  void historyIsBoundedByCountAndAgeAndLossIsReported() {
    ActorRef<TopicOwner.Command> owner = owner(3, Duration.ofMinutes(10), Duration.ofMinutes(1));
    List<TopicOwner.Accepted> accepted = publish(owner, "1", "2", "3", "4", "5").accepted();
    long epoch = accepted.get(0).position().epoch();
    assertEquals(List.of("3", "4", "5"), data(read(owner, null, 10, 10)));
    TopicOwner.Slice lost = read(owner, new Position(epoch, 1), 0, 10);
    assertTrue(lost.continuityLost());
    assertEquals(List.of("3", "4", "5"), data(lost), "the oldest kept events come with the loss");
    assertFalse(read(owner, new Position(epoch, 2), 0, 10).continuityLost());
    assertTrue(read(owner, new Position(epoch + 1, 4), 0, 10).continuityLost(), "other epoch");
    assertTrue(read(owner, new Position(epoch, 9), 0, 10).continuityLost(), "future position");

    clock.advance(Duration.ofMinutes(11));
    TopicOwner.Slice aged = read(owner, new Position(epoch, 5), 0, 10);
    assertFalse(aged.continuityLost(), "nothing after the head was lost");
    assertEquals(List.of(), data(read(owner, null, 10, 10)));
    assertTrue(read(owner, new Position(epoch, 4), 0, 10).continuityLost());
    publish(owner, "6");
    assertEquals(List.of("6"), data(read(owner, new Position(epoch, 5), 0, 10)));
  }

  @Test
  void idempotencyKeysYieldTheFirstPositionWithinTheWindow() {
    ActorRef<TopicOwner.Command> owner = owner(100, Duration.ofHours(1), Duration.ofMinutes(5));
    Position first = publishKeyed(owner, "x", "k").accepted().get(0).position();
    TopicOwner.Accepted again = publishKeyed(owner, "y", "k").accepted().get(0);
    assertTrue(again.duplicate());
    assertEquals(first, again.position());
    assertEquals(1, read(owner, null, 10, 10).events().size());
    clock.advance(Duration.ofMinutes(6));
    TopicOwner.Accepted later = publishKeyed(owner, "z", "k").accepted().get(0);
    assertFalse(later.duplicate());
    assertNotEquals(first, later.position());
  }
}
