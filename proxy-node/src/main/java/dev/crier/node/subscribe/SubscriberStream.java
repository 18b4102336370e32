package dev.crier.node.subscribe;

import dev.crier.node.topic.FeedItem;
import dev.crier.protocol.cursor.CursorCodec;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * One SSE connection's stream: the {@link FeedQueue} its topic hubs offer frames into, and the
 * single stage that writes them. Everything queued when the connection can write goes out as one
 * write (the hubs' shared frames joined without copying, up to {@code maxWriteBytes}), so a busy
 * connection costs one write per turn rather than one per event.
 *
 * <p>The stage is the stream's only part, with no timer of its own: {@link #heartbeatTick} is
 * called by a node-wide tick.
 */
final class SubscriberStream {
  private final long maxWriteBytes;
  private final long retryMillis;
  private final ByteString retryFrame;
  private final SubscriptionFraming<ByteString> framing;
  private final FeedQueue feed;
  private final Consumer<Throwable> onEnd;

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
    this.maxWriteBytes = maxWriteBytes;
    this.retryMillis = retryMillis;
    this.retryFrame = retryFrame;
    this.framing = new SubscriptionFraming<>(codec, SseFrames.INSTANCE);
    this.feed = new FeedQueue(capacity, codec.topics().size());
    this.onEnd = onEnd;
  }

  /** The queue the hubs offer into. */
  FeedQueue feed() {
    return feed;
  }

  /** The stream's bytes; materialize it once. */
  Source<ByteString, NotUsed> source() {
    return Source.fromGraph(new Stage());
  }

  /**
   * Asks for a heartbeat comment if nothing was written for {@code idleNanos}; the node calls it
   * for every stream on one shared tick.
   */
  void heartbeatTick(long nowNanos, long idleNanos) {
    if (!feed.ended() && nowNanos - lastWriteNanos >= idleNanos) {
      heartbeatDue = true;
      feed.wake();
    }
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
      AsyncCallback<Done> callback = createAsyncCallback(done -> onWake());
      feed.start(() -> callback.invoke(Done.getInstance()));
    }

    private void onWake() {
      feed.woken();
      Throwable cause = feed.failure();
      if (cause != null) {
        // Cut off (or failed): the subscription ends now, though its farewell waits until the
        // connection can take it.
        feed.discard();
        report(cause);
      }
      if (isAvailable(out)) {
        write();
      } else if (feed.halfFull()) {
        take();
      }
    }

    /** Called when the connection can take a write. */
    private void write() {
      feed.waiting(false);
      while (true) {
        boolean closed = feed.closed();
        if (feed.failure() != null) {
          feed.discard();
        } else {
          take();
        }
        if (closed && feed.isEmpty()) {
          push(out, pending.concat(EventStreams.farewell(retryMillis)));
          completeStage();
          return;
        }
        if (pending.isEmpty() && heartbeatDue) {
          pending = EventStreams.HEARTBEAT;
        }
        if (!pending.isEmpty()) {
          push(out, pending);
          pending = ByteString.emptyByteString();
          heartbeatDue = false;
          lastWriteNanos = System.nanoTime();
          return;
        }
        feed.waiting(true);
        // An offer between take() and waiting(true) saw no one waiting: look once more.
        if (feed.isEmpty() && !feed.closed() && !heartbeatDue) {
          return;
        }
        feed.waiting(false);
      }
    }

    /** Moves queued items into the next write, up to maxWriteBytes. */
    private void take() {
      FeedItem item;
      while (pending.size() < maxWriteBytes && (item = feed.poll()) != null) {
        for (ByteString frame : framing.apply(item)) {
          pending = pending.concat(frame);
        }
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
      feed.end();
      report(feed.failure());
    }
  }
}
