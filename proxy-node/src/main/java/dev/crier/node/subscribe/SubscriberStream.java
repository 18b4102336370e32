package dev.crier.node.subscribe;

import dev.crier.node.topic.FeedItem;
import dev.crier.protocol.cursor.CursorCodec;
import dev.crier.protocol.sse.SseEncoder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * One SSE connection's stream: the bounded queue its topic hubs offer frames into, and the single
 * stage that writes them. Everything queued when the connection can write goes out as one write
 * (the hubs' shared frames joined without copying, up to {@code maxWriteBytes}), so a busy
 * connection costs one write per turn rather than one per event; while the connection is busy the
 * queue fills, and a subscriber more than {@code capacity} events behind is refused further offers
 * (its hub cuts it off).
 *
 * <p>The queue exists before the stream is materialized, so the hubs can bring the subscription up
 * to date before the HTTP answer; the stage is the stream's only part, with no timer of its own:
 * {@link #heartbeatTick} is called by a node-wide tick. Offers and ticks come from any thread; the
 * stage wakes only when it waits for something to write, or when the queue is half full while the
 * connection is busy (it then takes what it can into its next write, so that a burst larger than
 * the queue does not cut off a subscriber that keeps up).
 */
final class SubscriberStream implements BoundedSourceQueue<FeedItem> {
  private static final ByteString HEARTBEAT = ByteString.fromArrayUnsafe(SseEncoder.comment(""));

  /** The value of {@link #closing} once the hubs completed the feed: end after what is queued. */
  private static final Object COMPLETED = new Object();

  private final int capacity;
  private final long maxWriteBytes;
  private final long retryMillis;
  private final ByteString retryFrame;
  private final SubscriptionFraming framing;
  private final ConcurrentLinkedQueue<FeedItem> items = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();

  /** Null while open; {@link #COMPLETED}, or the cause the feed was failed with. */
  private final AtomicReference<Object> closing = new AtomicReference<>();

  /** Topics whose {@link FeedItem.Synced} has not been queued yet. */
  private final AtomicInteger unsynced;

  private final CompletableFuture<Void> subscribed = new CompletableFuture<>();
  private final AtomicBoolean wakePending = new AtomicBoolean();
  private final Consumer<Throwable> onEnd;
  private volatile AsyncCallback<Done> wake;

  /** The stage can write and has nothing to: any offer must wake it. */
  private volatile boolean waiting;

  private volatile boolean ended;
  private volatile boolean heartbeatDue;
  private volatile long lastWriteNanos = System.nanoTime();

  /**
   * @param capacity events queued before offers are dropped (the subscriber is too slow)
   * @param maxWriteBytes bytes joined into one write at most
   * @param retryMillis the reconnection delay, sent jittered as the stream's last line
   * @param retryFrame its first line, the {@code retry:} field for {@code retryMillis}, encoded
   *     once for all streams
   * @param onEnd called once when the stream has ended, with the cause the feed was failed with, or
   *     null (completed, or the client went away)
   */
  SubscriberStream(
      int capacity,
      long maxWriteBytes,
      long retryMillis,
      ByteString retryFrame,
      CursorCodec codec,
      Consumer<Throwable> onEnd) {
    this.capacity = capacity;
    this.maxWriteBytes = maxWriteBytes;
    this.retryMillis = retryMillis;
    this.retryFrame = retryFrame;
    this.framing = new SubscriptionFraming(codec);
    this.unsynced = new AtomicInteger(codec.topics().size());
    this.onEnd = onEnd;
  }

  /**
   * Completed once every topic's hub has said where its feed goes on (so that the HTTP answer means
   * "subscribed"), or the feed was completed first; failed with the cause it was failed with.
   */
  CompletableFuture<Void> subscribed() {
    return subscribed;
  }

  /** The stream's bytes; materialize it once. */
  Source<ByteString, NotUsed> source() {
    return Source.fromGraph(new Stage());
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

  /** Ends the stream once what is queued is written; throws if it was closed already. */
  @Override
  public void complete() {
    close(COMPLETED);
  }

  /** Ends the stream without writing what is still queued; throws if it was closed already. */
  @Override
  public void fail(Throwable cause) {
    close(cause);
  }

  private void close(Object how) {
    if (ended || !closing.compareAndSet(null, how)) {
      throw new IllegalStateException("the stream is closed already");
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

  /**
   * Asks for a heartbeat comment if nothing was written for {@code idleNanos}; the node calls it
   * for every stream on one shared tick.
   */
  void heartbeatTick(long nowNanos, long idleNanos) {
    if (!ended && nowNanos - lastWriteNanos >= idleNanos) {
      heartbeatDue = true;
      wake();
    }
  }

  private void wake() {
    if (wakePending.compareAndSet(false, true)) {
      AsyncCallback<Done> callback = wake;
      if (callback == null) {
        // Not started yet: the stage looks at the queue when it starts.
        wakePending.set(false);
      } else {
        callback.invoke(Done.getInstance());
      }
    }
  }

  /**
   * A reconnection delay between half and one and a half times the usual, so that the clients of a
   * draining node do not all come back at the same moment.
   */
  private ByteString farewell() {
    long jittered = retryMillis / 2 + ThreadLocalRandom.current().nextLong(retryMillis + 1);
    return ByteString.fromArrayUnsafe(SseEncoder.retry(jittered));
  }

  private final class Stage extends GraphStage<SourceShape<ByteString>> {
    private final Outlet<ByteString> out = Outlet.create("SubscriberStream.out");
    private final SourceShape<ByteString> shape = SourceShape.of(out);

    @Override
    public SourceShape<ByteString> shape() {
      return shape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes attributes) {
      return new Logic(out, shape);
    }
  }

  private final class Logic extends GraphStageLogic {
    private final Outlet<ByteString> out;

    /** Framed bytes taken from the queue and not yet written: the next write. */
    private ByteString pending = retryFrame;

    private boolean reported;

    Logic(Outlet<ByteString> out, SourceShape<ByteString> shape) {
      super(shape);
      this.out = out;
      setHandler(
          out,
          new AbstractOutHandler() {
            @Override
            public void onPull() {
              write();
            }
          });
    }

    @Override
    public void preStart() {
      wake = createAsyncCallback(done -> onWake());
    }

    private void onWake() {
      wakePending.set(false);
      if (closing.get() instanceof Throwable cause) {
        // Cut off (or failed): the subscription ends now, though its farewell waits until the
        // connection can take it.
        discardQueue();
        report(cause);
      }
      if (isAvailable(out)) {
        write();
      } else if (size.get() >= capacity / 2) {
        take();
      }
    }

    /** Called when the connection can take a write. */
    private void write() {
      waiting = false;
      while (true) {
        Object how = closing.get();
        if (how instanceof Throwable) {
          discardQueue();
        } else {
          take();
        }
        if (how != null && items.isEmpty()) {
          push(out, pending.concat(farewell()));
          completeStage();
          return;
        }
        if (pending.isEmpty() && heartbeatDue) {
          pending = HEARTBEAT;
        }
        if (!pending.isEmpty()) {
          push(out, pending);
          pending = ByteString.emptyByteString();
          heartbeatDue = false;
          lastWriteNanos = System.nanoTime();
          return;
        }
        waiting = true;
        // An offer between take() and waiting = true saw no one waiting: look once more.
        if (items.isEmpty() && closing.get() == null && !heartbeatDue) {
          return;
        }
        waiting = false;
      }
    }

    /** Moves queued items into the next write, up to maxWriteBytes. */
    private void take() {
      FeedItem item;
      while (pending.size() < maxWriteBytes && (item = items.poll()) != null) {
        size.decrementAndGet();
        for (ByteString frame : framing.apply(item)) {
          pending = pending.concat(frame);
        }
      }
    }

    private void discardQueue() {
      while (items.poll() != null) {
        size.decrementAndGet();
      }
    }

    private void report(Throwable cause) {
      if (!reported) {
        reported = true;
        onEnd.accept(cause);
      }
    }

    @Override
    public void postStop() {
      ended = true;
      waiting = false;
      discardQueue();
      report(closing.get() instanceof Throwable cause ? cause : null);
    }
  }
}
