package dev.crier.node.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.LocalActors;
import dev.crier.protocol.cursor.Position;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * A hub subscriber's catch-up, tested where it lives: a real bounded stream queue whose consumer
 * takes items only when the test asks, so the test sees exactly what was queued, in what order, and
 * when the queue was full.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@ExtendWith(LogCapturingExtension.class)
class HubSubscriberTest {
  private static final String TOPIC = "t";
  private static final long EPOCH = 1_700_000_000_000L;
  private static final int BUFFER = 8;

  @JUnit5TestKit
  public ActorTestKit testKit =
      new JUnit5TestKitBuilder().withCustomConfig(LocalActors.config()).build();

  private BoundedSourceQueue<FeedItem> queue;
  private final Client client = new Client();

  /** The stream's consumer: it takes items only as many as the test asks for. */
  private static final class Client implements Subscriber<FeedItem> {
    final CompletableFuture<Subscription> subscription = new CompletableFuture<>();
    final LinkedBlockingQueue<FeedItem> items = new LinkedBlockingQueue<>();

    @Override
    public void onSubscribe(Subscription s) {
      subscription.complete(s);
    }

    @Override
    public void onNext(FeedItem item) {
      items.add(item);
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onComplete() {}

    FeedItem next(Duration wait) throws Exception {
      FeedItem item = items.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
      if (item == null) {
        throw new AssertionError("nothing arrived within " + wait);
      }
      return item;
    }
  }

  private HubSubscriber subscriber() {
    queue =
        Source.<FeedItem>queue(BUFFER)
            .toMat(Sink.fromSubscriber(client), Keep.left())
            .run(testKit.system());
    return new HubSubscriber(1, queue, BUFFER, new FanoutCounters());
  }

  private static FeedItem.Frame frame(long epoch, long seq) {
    Position p = new Position(epoch, seq);
    return FeedItem.Frame.of(TOPIC, new TopicEvent(TOPIC, p, null, "e" + seq, 0));
  }

  private static List<FeedItem.Frame> frames(long from, long to) {
    List<FeedItem.Frame> out = new ArrayList<>();
    for (long seq = from; seq <= to; seq++) {
      out.add(frame(EPOCH, seq));
    }
    return out;
  }

  /** What the client reads next: "synced@<after>" or each frame's position. */
  private List<String> read(int n) throws Exception {
    client.subscription.get(3, TimeUnit.SECONDS).request(n);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      FeedItem item = client.next(Duration.ofSeconds(3));
      out.add(
          item instanceof FeedItem.Synced s
              ? "synced@" + s.after() + (s.continuityLost() ? " lost" : "")
              : ((FeedItem.Frame) item).position().toString());
    }
    return out;
  }

  private static String at(long seq) {
    return new Position(EPOCH, seq).toString();
  }

  private void expectNothingMore() throws Exception {
    client.subscription.get(3, TimeUnit.SECONDS).request(1);
    FeedItem more = client.items.poll(200, TimeUnit.MILLISECONDS);
    assertEquals(null, more, "nothing more is queued");
  }

  @Test
  void liveFramesWaitForThePlaceAndThoseHistoryCoveredAreNotSentTwice() throws Exception {
    HubSubscriber s = subscriber();
    assertEquals(QueueOfferResult.enqueued(), s.deliver(frame(EPOCH, 5)));
    assertEquals(QueueOfferResult.enqueued(), s.deliver(frame(EPOCH, 6)));
    assertEquals(0, queue.size(), "nothing reaches the queue before the subscriber is placed");

    s.place(TOPIC, new Position(EPOCH, 5), frames(3, 5), false);
    s.deliver(frame(EPOCH, 6));
    s.deliver(frame(EPOCH, 7));

    List<String> seen = new ArrayList<>(read(queue.size()));
    s.topUp();
    seen.addAll(read(queue.size()));
    assertEquals(List.of("synced@" + at(2), at(3), at(4), at(5), at(6), at(7)), seen);
    expectNothingMore();
  }

  @Test
  void aPlaceWithoutHistoryGoesOnAfterTheHead() throws Exception {
    HubSubscriber s = subscriber();
    s.place(TOPIC, new Position(EPOCH, 9), List.of(), false);
    assertFalse(s.waitsForRoom());
    s.deliver(frame(EPOCH, 9));
    s.deliver(frame(EPOCH, 10));
    assertEquals(List.of("synced@" + at(9), at(10)), read(2));
    expectNothingMore();
  }

  @Test
  void aCatchUpLargerThanHalfTheQueueIsPacedByTheClientAndLiveFramesFollowIt() throws Exception {
    HubSubscriber s = subscriber();
    s.place(TOPIC, new Position(EPOCH, 10), frames(1, 10), true);
    assertTrue(s.waitsForRoom(), "the rest waits until the client has read some");
    assertEquals(BUFFER / 2, queue.size(), "half the queue at most: other topics share it");
    s.deliver(frame(EPOCH, 11));

    List<String> seen = new ArrayList<>(read(BUFFER / 2));
    while (s.waitsForRoom()) {
      assertEquals(QueueOfferResult.enqueued(), s.topUp());
      seen.addAll(read(queue.size()));
    }
    s.deliver(frame(EPOCH, 12));
    seen.addAll(read(1));

    List<String> expected = new ArrayList<>(List.of("synced@" + at(0) + " lost"));
    for (long seq = 1; seq <= 12; seq++) {
      expected.add(at(seq));
    }
    assertEquals(expected, seen);
  }

  @Test
  void moreLiveFramesBehindACatchUpThanTheQueueHoldsAreRefused() throws Exception {
    HubSubscriber s = subscriber();
    s.place(TOPIC, new Position(EPOCH, 20), frames(1, 20), false);
    for (long seq = 21; seq < 21 + BUFFER; seq++) {
      assertEquals(QueueOfferResult.enqueued(), s.deliver(frame(EPOCH, seq)));
    }
    assertEquals(
        QueueOfferResult.dropped(),
        s.deliver(frame(EPOCH, 21 + BUFFER)),
        "too far behind: the hub cuts it off");
  }

  @Test
  void aLiveSubscriberSkipsWhatItHadAndTakesANewEpochFromItsStart() throws Exception {
    HubSubscriber s = subscriber();
    s.place(TOPIC, new Position(EPOCH, 3), List.of(), false);
    s.deliver(frame(EPOCH, 4));
    s.deliver(frame(EPOCH, 4));
    s.deliver(frame(EPOCH, 2));
    long moved = EPOCH + 1;
    s.deliver(frame(moved, 1));
    List<String> seen = read(3);
    assertEquals(List.of("synced@" + at(3), at(4), new Position(moved, 1).toString()), seen);
    expectNothingMore();
  }
}
