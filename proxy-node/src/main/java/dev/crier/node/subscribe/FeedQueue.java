package dev.crier.node.subscribe;

import dev.crier.node.topic.FeedItem;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;

/**
 * One subscription's feed: the bounded queue its topic hubs offer into from any thread, drained by
 * the single stream stage that writes to the client (SSE or WebSocket). A subscriber more than
 * {@code capacity} events behind is refused further offers, and its hub cuts it off.
 *
 * <p>The queue exists before its stage runs, so the hubs can bring the subscription up to date
 * before the client is answered. The stage is woken only when it waits for something to write
 * ({@link #waiting}), or when the queue is half full while the connection is busy, so that it can
 * take what it can into its next write and a burst larger than the queue does not cut off a
 * subscriber that keeps up.
 */
public final class FeedQueue implements BoundedSourceQueue<FeedItem> {
  /** The value of {@link #closing} once the hubs completed the feed: end after what is queued. */
  private static final Object COMPLETED = new Object();

  private final int capacity;
  private final ConcurrentLinkedQueue<FeedItem> items = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();

  /** Null while open; {@link #COMPLETED}, or the cause the feed was failed with. */
  private final AtomicReference<Object> closing = new AtomicReference<>();

  /** Topics whose {@link FeedItem.Synced} has not been queued yet. */
  private final AtomicInteger unsynced;

  private final CompletableFuture<Void> subscribed = new CompletableFuture<>();
  private final AtomicBoolean wakePending = new AtomicBoolean();
  private volatile Runnable wake;
  private volatile boolean waiting;
  private volatile boolean ended;

  /**
   * @param capacity events queued before offers are dropped (the subscriber is too slow)
   * @param topics how many topics' hubs feed it, each starting with one {@link FeedItem.Synced}
   */
  public FeedQueue(int capacity, int topics) {
    this.capacity = capacity;
    this.unsynced = new AtomicInteger(topics);
  }

  /**
   * Completed once every topic's hub has said where its feed goes on, or the feed was completed
   * first; failed with the cause it was failed with.
   */
  public CompletableFuture<Void> subscribed() {
    return subscribed;
  }

  @Override
  public QueueOfferResult offer(FeedItem item) {
    if (closing.get() != null || ended) {
      return QueueOfferResult.closed();
    }
    int queued = size.incrementAndGet();
    if (queued > capacity) {
      size.decrementAndGet();
      return QueueOfferResult.dropped();
    }
    items.add(item);
    if (waiting || queued == capacity / 2) {
      wake();
    }
    if (item instanceof FeedItem.Synced && unsynced.decrementAndGet() == 0) {
      subscribed.complete(null);
    }
    return QueueOfferResult.enqueued();
  }

  /** Ends the feed once what is queued is written; throws if it was closed already. */
  @Override
  public void complete() {
    close(COMPLETED);
  }

  /** Ends the feed without writing what is still queued; throws if it was closed already. */
  @Override
  public void fail(Throwable cause) {
    close(cause);
  }

  private void close(Object how) {
    if (ended || !closing.compareAndSet(null, how)) {
      throw new IllegalStateException("the feed is closed already");
    }
    if (how instanceof Throwable cause) {
      subscribed.completeExceptionally(cause);
    } else {
      subscribed.complete(null);
    }
    wake();
  }

  @Override
  public boolean isCompleted() {
    return closing.get() != null || ended;
  }

  @Override
  public int size() {
    return size.get();
  }

  /** Whether the hubs have closed the feed (completed or failed). */
  boolean closed() {
    return closing.get() != null;
  }

  /** The cause the feed was failed with, or null. */
  public Throwable failure() {
    return closing.get() instanceof Throwable cause ? cause : null;
  }

  /** Whether the stage has ended (then it takes nothing more). */
  boolean ended() {
    return ended;
  }

  /** Whether the queue is at least half full. */
  public boolean halfFull() {
    return size.get() >= capacity / 2;
  }

  /** The next item, or null. */
  public FeedItem poll() {
    FeedItem item = items.poll();
    if (item != null) {
      size.decrementAndGet();
    }
    return item;
  }

  public boolean isEmpty() {
    return items.isEmpty();
  }

  /** Drops everything queued (the feed was cut, or its stage ended). */
  public void discard() {
    while (poll() != null) {
      // dropped: the subscriber resumes from history
    }
  }

  /**
   * The stage started and is woken through {@code callback} from now on (its async callback); it
   * calls {@link #woken} first thing each time.
   */
  public void start(Runnable callback) {
    this.wake = callback;
  }

  /** Asks the stage to look at the queue, once however many ask before it does. */
  public void wake() {
    if (wakePending.compareAndSet(false, true)) {
      Runnable callback = wake;
      if (callback == null) {
        // Not started yet: the stage looks at the queue when it starts.
        wakePending.set(false);
      } else {
        callback.run();
      }
    }
  }

  /** The stage is awake; a wake asked for from now on comes again. */
  public void woken() {
    wakePending.set(false);
  }

  /**
   * The stage can write and has nothing to (true): any offer must wake it. After setting it, the
   * stage looks at the queue once more, since an offer just before saw no one waiting.
   */
  public void waiting(boolean waiting) {
    this.waiting = waiting;
  }

  /** The stage stopped: later offers are refused and what is queued is dropped. */
  public void end() {
    ended = true;
    waiting = false;
    discard();
  }
}
