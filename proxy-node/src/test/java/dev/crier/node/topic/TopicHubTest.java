package dev.crier.node.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.crier.node.support.LocalActors;
import dev.crier.protocol.cursor.Position;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A topic hub's gap repair, tested where it lives: the test plays the topic's owner (answering the
 * hub's reads by hand) and watches what a subscriber's real stream receives. Each event reaches the
 * subscriber once and in order, whether it came live, after a gap, across a new owner epoch, or
 * beyond what the hub holds while it repairs a gap.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@ExtendWith(LogCapturingExtension.class)
class TopicHubTest {
  private static final Duration WAIT = Duration.ofSeconds(3);
  private static final long EPOCH = 1_700_000_000_000L;

  @JUnit5TestKit
  public ActorTestKit testKit =
      new JUnit5TestKitBuilder().withCustomConfig(LocalActors.config()).build();

  private final String topic = "hub/" + UUID.randomUUID();
  private final TestProbe<TopicOwner.Command> owner = testKit.createTestProbe();
  private final TestProbe<TopicHubs.Command> node = testKit.createTestProbe();
  private final TestProbe<TopicHub.Idle> parent = testKit.createTestProbe();

  private final TopicOwners owners =
      new TopicOwners() {
        @Override
        public void tell(String t, TopicOwner.Command command) {
          owner.ref().tell(command);
        }

        @Override
        public <R> CompletionStage<R> ask(
            String t, Function<ActorRef<R>, TopicOwner.Command> command, Duration timeout) {
          return AskPattern.ask(owner.ref(), command::apply, timeout, testKit.scheduler());
        }
      };

  /** A subscriber's stream: a real bounded queue whose items land here as the stream runs. */
  private final LinkedBlockingQueue<FeedItem> received = new LinkedBlockingQueue<>();

  private ActorRef<TopicHub.Command> hub(int historyLimit) {
    return testKit.spawn(
        TopicHub.create(
            topic,
            new TopicHubSettings(
                64,
                historyLimit,
                0,
                1000,
                Duration.ofSeconds(2),
                Duration.ofHours(1),
                Duration.ofHours(1)),
            owners,
            node.ref(),
            parent.ref(),
            new FanoutCounters()));
  }

  private BoundedSourceQueue<FeedItem> stream() {
    return Source.<FeedItem>queue(64)
        .toMat(Sink.foreach(received::add), Keep.left())
        .run(testKit.system());
  }

  private TopicEvent event(long epoch, long seq) {
    return new TopicEvent(topic, new Position(epoch, seq), null, "e" + epoch + "-" + seq, 0);
  }

  /** Answers the hub's next read of the owner with these events and head. */
  private TopicOwner.Read answerRead(long epoch, long headSeq, TopicEvent... events) {
    TopicOwner.Read read = owner.expectMessageClass(TopicOwner.Read.class, WAIT);
    read.replyTo().tell(new TopicOwner.Slice(topic, epoch, List.of(events), headSeq, false));
    return read;
  }

  /** A subscriber without a cursor, joined once the hub is live at (EPOCH, headSeq). */
  private void subscribeLive(ActorRef<TopicHub.Command> hub) throws Exception {
    hub.tell(new TopicHub.Subscribe(1, stream(), null, 0));
    assertInstanceOf(FeedItem.Synced.class, next());
  }

  private FeedItem next() throws InterruptedException {
    return received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private List<String> positions(int n) throws InterruptedException {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      FeedItem item = next();
      out.add(item instanceof FeedItem.Frame f ? f.position().toString() : String.valueOf(item));
    }
    return out;
  }

  private static String at(long epoch, long seq) {
    return new Position(epoch, seq).toString();
  }

  @Test
  void aGapSeenLiveIsReadFromTheOwnerAndNothingArrivesTwice() throws Exception {
    ActorRef<TopicHub.Command> hub = hub(100);
    answerRead(EPOCH, 3);
    subscribeLive(hub);

    hub.tell(new TopicHub.Deliver(event(EPOCH, 4)));
    hub.tell(new TopicHub.Deliver(event(EPOCH, 6)));
    TopicOwner.Read repair = answerRead(EPOCH, 6, event(EPOCH, 5), event(EPOCH, 6));
    assertEquals(new Position(EPOCH, 4), repair.after(), "the hub asks from what it has");
    hub.tell(new TopicHub.Deliver(event(EPOCH, 6)));
    hub.tell(new TopicHub.Deliver(event(EPOCH, 7)));

    assertEquals(List.of(at(EPOCH, 4), at(EPOCH, 5), at(EPOCH, 6), at(EPOCH, 7)), positions(4));
    assertNull(received.poll(200, TimeUnit.MILLISECONDS), "6 came live and from the read: once");
  }

  @Test
  void aNewEpochStartsAgainAtOneAndALaterStartIsRepaired() throws Exception {
    ActorRef<TopicHub.Command> hub = hub(100);
    answerRead(EPOCH, 2);
    subscribeLive(hub);

    long moved = EPOCH + 1;
    hub.tell(new TopicHub.Deliver(event(moved, 1)));
    long movedAgain = EPOCH + 2;
    hub.tell(new TopicHub.Deliver(event(movedAgain, 2)));
    TopicOwner.Read repair = answerRead(movedAgain, 2, event(movedAgain, 1), event(movedAgain, 2));
    assertEquals(new Position(movedAgain, 0), repair.after(), "the new epoch read from its start");

    assertEquals(List.of(at(moved, 1), at(movedAgain, 1), at(movedAgain, 2)), positions(3));
    hub.tell(new TopicHub.Deliver(event(EPOCH, 3)));
    assertNull(received.poll(200, TimeUnit.MILLISECONDS), "an older epoch's event is not taken");
  }

  @Test
  void moreEventsThanHistoryDuringARepairAreDroppedAndReadAgainNotLost() throws Exception {
    ActorRef<TopicHub.Command> hub = hub(4);
    answerRead(EPOCH, 2);
    subscribeLive(hub);

    hub.tell(new TopicHub.Deliver(event(EPOCH, 4)));
    TopicOwner.Read repair = owner.expectMessageClass(TopicOwner.Read.class, WAIT);
    // While the repair is out, 8 more arrive: the hub holds 4 (its history limit) and drops the
    // rest, which the owner still has.
    for (int seq = 5; seq <= 12; seq++) {
      hub.tell(new TopicHub.Deliver(event(EPOCH, seq)));
    }
    repair
        .replyTo()
        .tell(
            new TopicOwner.Slice(
                topic, EPOCH, List.of(event(EPOCH, 3), event(EPOCH, 4)), 4, false));
    assertEquals(
        List.of(at(EPOCH, 3), at(EPOCH, 4), at(EPOCH, 5), at(EPOCH, 6), at(EPOCH, 7)),
        positions(5));

    hub.tell(new TopicHub.Deliver(event(EPOCH, 13)));
    TopicEvent[] rest = new TopicEvent[6];
    for (int seq = 8; seq <= 13; seq++) {
      rest[seq - 8] = event(EPOCH, seq);
    }
    TopicOwner.Read again = answerRead(EPOCH, 13, rest);
    assertEquals(new Position(EPOCH, 7), again.after(), "asked again from the last one handed on");
    assertEquals(
        List.of(
            at(EPOCH, 8), at(EPOCH, 9), at(EPOCH, 10), at(EPOCH, 11), at(EPOCH, 12), at(EPOCH, 13)),
        positions(6));
    assertNull(received.poll(200, TimeUnit.MILLISECONDS));
  }
}
