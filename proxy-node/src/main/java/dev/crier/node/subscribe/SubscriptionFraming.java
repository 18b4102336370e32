package dev.crier.node.subscribe;

import dev.crier.node.topic.FeedItem;
import dev.crier.protocol.cursor.CursorCodec;
import dev.crier.protocol.cursor.Position;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one subscription's feed into what its transport writes, and gives every event the
 * subscription's cursor: the event's own position for a one-topic subscription, a cursor that
 * carries the position in every topic for a several-topic one.
 *
 * <p>Nothing is written until every topic's feed has said where it goes on ({@link
 * FeedItem.Synced}), so that the first id already covers all topics and a {@code crier.reset}, if
 * needed, comes first. One instance per subscription, used by one stream stage at a time.
 *
 * @param <T> what the transport writes for one event (SSE bytes, a WebSocket message)
 */
public final class SubscriptionFraming<T> {
  public static final String RESET_EVENT = "crier.reset";

  /** How one transport writes a subscription's events. */
  public interface Encoding<T> {
    /**
     * One event.
     *
     * @param cursor the subscription's cursor after it, or null for a one-topic subscription (whose
     *     cursor is the event's own position, so that the hub's shared encoding serves)
     */
    T event(FeedItem.Frame frame, String cursor);

    /** The {@code crier.reset} event: its cursor and its JSON data. */
    T reset(String cursor, String data);

    /**
     * What goes first once every topic is synced, with the cursor the subscription goes on after;
     * null for nothing.
     */
    T synced(String cursor);
  }

  private final CursorCodec codec;
  private final Encoding<T> encoding;
  private final Position[] positions;
  private final boolean[] lost;
  private int synced;
  private List<FeedItem.Frame> pending = new ArrayList<>();

  public SubscriptionFraming(CursorCodec codec, Encoding<T> encoding) {
    this.codec = codec;
    this.encoding = encoding;
    int n = codec.topics().size();
    this.positions = new Position[n];
    this.lost = new boolean[n];
  }

  public List<T> apply(FeedItem item) {
    if (item instanceof FeedItem.Frame frame) {
      if (pending != null) {
        pending.add(frame);
        return List.of();
      }
      return List.of(encode(frame));
    }
    FeedItem.Synced s = (FeedItem.Synced) item;
    int i = codec.indexOf(s.topic());
    if (positions[i] == null) {
      synced++;
    }
    positions[i] = s.after();
    lost[i] = s.continuityLost();
    return synced == positions.length && pending != null ? flush() : List.of();
  }

  private List<T> flush() {
    List<T> out = new ArrayList<>(pending.size() + 2);
    T first = encoding.synced(codec.format(positions));
    if (first != null) {
      out.add(first);
    }
    T reset = resetFrame();
    if (reset != null) {
      out.add(reset);
    }
    for (FeedItem.Frame f : pending) {
      out.add(encode(f));
    }
    pending = null;
    return out;
  }

  private T encode(FeedItem.Frame frame) {
    if (positions.length == 1) {
      positions[0] = frame.position();
      return encoding.event(frame, null);
    }
    positions[codec.indexOf(frame.topic())] = frame.position();
    return encoding.event(frame, codec.format(positions));
  }

  /**
   * The reset names the topics that lost continuity and, for each, the position the stream goes on
   * after: what lay between the client's cursor and it is gone.
   */
  private T resetFrame() {
    StringBuilder topics = new StringBuilder();
    StringBuilder after = new StringBuilder();
    for (int i = 0; i < lost.length; i++) {
      if (lost[i]) {
        String sep = topics.length() == 0 ? "\"" : ",\"";
        // Topic names cannot hold '"' or '\', so they need no JSON escaping.
        topics.append(sep).append(codec.topics().get(i)).append('"');
        after
            .append(sep)
            .append(codec.topics().get(i))
            .append("\":\"")
            .append(positions[i])
            .append('"');
      }
    }
    if (topics.length() == 0) {
      return null;
    }
    String data = "{\"topics\":[" + topics + "],\"continuesAfter\":{" + after + "}}";
    return encoding.reset(codec.format(positions), data);
  }
}
