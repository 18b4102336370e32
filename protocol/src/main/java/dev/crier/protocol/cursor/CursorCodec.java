package dev.crier.protocol.cursor;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.CRC32;

/**
 * Writes and reads the cursor of a subscription to a fixed set of topics (format in the package
 * documentation). Immutable; one per subscription.
 */
public final class CursorCodec {
  private final List<String> topics;
  private final Map<String, Integer> index;
  private final String fingerprint;

  public CursorCodec(Collection<String> topics) {
    if (topics.isEmpty()) {
      throw new IllegalArgumentException("a subscription names at least one topic");
    }
    this.topics = List.copyOf(new TreeSet<>(topics));
    this.index = new HashMap<>();
    for (int i = 0; i < this.topics.size(); i++) {
      index.put(this.topics.get(i), i);
    }
    CRC32 crc = new CRC32();
    crc.update(String.join("\n", this.topics).getBytes(StandardCharsets.UTF_8));
    this.fingerprint = Long.toString(crc.getValue(), 36);
  }

  /** The topics, sorted and without repeats: the order of positions in a cursor. */
  public List<String> topics() {
    return topics;
  }

  /** The topic's place in {@link #topics()}, or -1. */
  public int indexOf(String topic) {
    Integer i = index.get(topic);
    return i == null ? -1 : i;
  }

  /** The cursor of these positions, aligned with {@link #topics()}. */
  public String format(Position[] positions) {
    if (positions.length != topics.size()) {
      throw new IllegalArgumentException(
          "expected " + topics.size() + " positions, got " + positions.length);
    }
    if (positions.length == 1) {
      return positions[0].toString();
    }
    StringBuilder out = new StringBuilder(positions.length * 16 + 8);
    for (int i = 0; i < positions.length; i++) {
      if (i > 0) {
        out.append('.');
      }
      positions[i].appendTo(out);
    }
    return out.append('~').append(fingerprint).toString();
  }

  /** The positions a cursor holds, aligned with {@link #topics()}. */
  public Position[] parse(String cursor) {
    if (cursor == null || cursor.isEmpty()) {
      throw new InvalidCursorException("cursor is empty");
    }
    if (topics.size() == 1) {
      if (cursor.indexOf('~') >= 0) {
        throw new InvalidCursorException("cursor belongs to a subscription of several topics");
      }
      return new Position[] {Position.parse(cursor)};
    }
    int tilde = cursor.lastIndexOf('~');
    if (tilde < 0) {
      throw new InvalidCursorException("cursor belongs to a subscription of one topic");
    }
    if (!cursor.substring(tilde + 1).equals(fingerprint)) {
      throw new InvalidCursorException("cursor belongs to a different set of topics");
    }
    Position[] positions = new Position[topics.size()];
    int from = 0;
    for (int i = 0; i < positions.length; i++) {
      int end = i == positions.length - 1 ? tilde : cursor.indexOf('.', from);
      if (end < 0 || end > tilde) {
        throw new InvalidCursorException(
            "cursor holds fewer positions than the subscription's " + positions.length + " topics");
      }
      positions[i] = Position.parse(cursor, from, end);
      from = end + 1;
    }
    return positions;
  }
}
