package dev.crier.node.topic;

import dev.crier.protocol.cursor.Position;
import java.util.ArrayDeque;
import java.util.List;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;

/**
 * One subscriber of a {@link TopicHub}, and its catch-up: until the hub has placed it (told where
 * its feed goes on after, with the history it missed), live frames wait in its backlog; once
 * placed, its queue gets one {@link FeedItem.Synced}, then the history, then the live frames that
 * came meanwhile, and from then on live frames directly. That {@code Synced} is the catch-up's one
 * signal: the subscription answers once every topic's is queued.
 *
 * <p>Nothing reaches the queue twice or out of order: a frame at or before the last one taken is
 * skipped (within an epoch; a frame of another epoch always follows). The backlog goes into the
 * queue only while the queue is under half full, so a resume with more history than the queue holds
 * is paced by the client instead of cutting it off; the live frames waiting behind it are bounded
 * by the queue's size, and a subscriber that falls further behind is refused ({@link
 * QueueOfferResult#dropped()}), for the hub to cut off. Used by its hub's actor only.
 */
final class HubSubscriber {
  final long id;
  private final BoundedSourceQueue<FeedItem> queue;
  private final int bufferSize;
  private final FanoutCounters counters;

  /** The last frame taken, into the queue or the backlog. */
  private long epoch;

  private long lastSeq;

  /** Frames to hand over before the subscriber is live, oldest first; null once it is live. */
  private ArrayDeque<FeedItem.Frame> backlog = new ArrayDeque<>();

  /** Live frames in the backlog. */
  private int liveWaiting;

  private boolean placed;

  HubSubscriber(
      long id, BoundedSourceQueue<FeedItem> queue, int bufferSize, FanoutCounters counters) {
    this.id = id;
    this.queue = queue;
    this.bufferSize = bufferSize;
    this.counters = counters;
  }

  BoundedSourceQueue<FeedItem> queue() {
    return queue;
  }

  /**
   * Places the subscriber: it goes on after {@code head}, with {@code history} (the events up to
   * {@code head} it has not had, oldest first) handed over first.
   *
   * @param continuityLost the subscriber's cursor is older than what history keeps
   * @return what the queue answered; anything but enqueued means the subscriber must go
   */
  QueueOfferResult place(
      String topic, Position head, List<FeedItem.Frame> history, boolean continuityLost) {
    Position after =
        history.isEmpty()
            ? head
            : new Position(history.get(0).position().epoch(), history.get(0).position().seq() - 1);
    ArrayDeque<FeedItem.Frame> waiting = backlog;
    backlog = new ArrayDeque<>(history.size() + waiting.size());
    liveWaiting = 0;
    placed = true;
    takenUpTo(history.isEmpty() ? head : history.get(history.size() - 1).position());
    backlog.addAll(history);
    for (FeedItem.Frame frame : waiting) {
      if (wants(frame.position())) {
        takenUpTo(frame.position());
        backlog.add(frame);
        liveWaiting++;
      }
    }
    QueueOfferResult synced = queue.offer(new FeedItem.Synced(topic, after, continuityLost));
    return synced == QueueOfferResult.enqueued() ? topUp() : synced;
  }

  /** A live frame: queued if the subscriber is live, else kept behind its catch-up. */
  QueueOfferResult deliver(FeedItem.Frame frame) {
    if (placed && !wants(frame.position())) {
      return QueueOfferResult.enqueued();
    }
    QueueOfferResult result;
    if (backlog == null) {
      result = offer(frame);
    } else if (liveWaiting < bufferSize) {
      backlog.add(frame);
      liveWaiting++;
      result = QueueOfferResult.enqueued();
    } else {
      result = QueueOfferResult.dropped();
    }
    if (placed && result == QueueOfferResult.enqueued()) {
      takenUpTo(frame.position());
    }
    return result;
  }

  /**
   * Hands over as much of the backlog as the queue has room for (half of it at most: the
   * subscription's other topics offer into the same queue meanwhile).
   */
  QueueOfferResult topUp() {
    if (!placed || backlog == null) {
      return QueueOfferResult.enqueued();
    }
    while (!backlog.isEmpty() && queue.size() < bufferSize / 2) {
      QueueOfferResult result = offer(backlog.poll());
      if (result != QueueOfferResult.enqueued()) {
        return result;
      }
    }
    if (backlog.isEmpty()) {
      backlog = null;
    }
    return QueueOfferResult.enqueued();
  }

  /** Placed, with frames still to hand over once its queue has drained. */
  boolean waitsForRoom() {
    return placed && backlog != null;
  }

  private QueueOfferResult offer(FeedItem.Frame frame) {
    QueueOfferResult result = queue.offer(frame);
    if (result == QueueOfferResult.enqueued()) {
      counters.delivered(1);
    }
    return result;
  }

  private boolean wants(Position p) {
    return p.epoch() != epoch || p.seq() > lastSeq;
  }

  private void takenUpTo(Position p) {
    epoch = p.epoch();
    lastSeq = p.seq();
  }
}
