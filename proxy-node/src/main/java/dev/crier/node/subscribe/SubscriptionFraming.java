package dev.crier.node.subscribe;

import dev.crier.node.topic.FeedItem;
import dev.crier.protocol.cursor.CursorCodec;
import dev.crier.protocol.cursor.Position;
import dev.crier.protocol.sse.SseEncoder;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.util.ByteString;

/**
 * Turns one subscription's feed into SSE bytes and gives every event the subscription's cursor as
 * its {@code id:}. A one-topic subscription passes the hub's shared frame through untouched; a
 * several-topic one prepends an id line that carries the position in every topic.
 *
 * <p>Nothing is written until every topic's feed has said where it goes on ({@link
 * FeedItem.Synced}), so that the first id already covers all topics and a {@code crier.reset}, if
 * needed, comes first. One instance per connection, used by one stream stage at a time.
 */
final class SubscriptionFraming {
  static final String RESET_EVENT = "crier.reset";

  private final CursorCodec codec;
  private final Position[] positions;
  private final boolean[] lost;
  private int synced;
  private List<FeedItem.Frame> pending = new ArrayList<>();

  SubscriptionFraming(CursorCodec codec) {
    this.codec = codec;
    int n = codec.topics().size();
    this.positions = new Position[n];
    this.lost = new boolean[n];
  }

  List<ByteString> apply(FeedItem item) {
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

  private List<ByteString> flush() {
    List<ByteString> out = new ArrayList<>(pending.size() + 1);
    ByteString reset = resetFrame();
    if (reset != null) {
      out.add(reset);
    }
    for (FeedItem.Frame f : pending) {
      out.add(encode(f));
    }
    pending = null;
    return out;
  }

  private ByteString encode(FeedItem.Frame frame) {
    if (positions.length == 1) {
      positions[0] = frame.position();
      return frame.withId();
    }
    positions[codec.indexOf(frame.topic())] = frame.position();
    return ByteString.fromArrayUnsafe(SseEncoder.idField(codec.format(positions)))
        .concat(frame.body());
  }

  /**
   * The reset names the topics that lost continuity and, for each, the position the stream goes on
   * after: what lay between the client's cursor and it is gone.
   */
  private ByteString resetFrame() {
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
    return ByteString.fromArrayUnsafe(SseEncoder.event(codec.format(positions), RESET_EVENT, data));
  }
}
