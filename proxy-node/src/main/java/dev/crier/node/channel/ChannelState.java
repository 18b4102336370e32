package dev.crier.node.channel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@link Channel} has stored: its addresses' digests, and the messages it holds — those
 * after the reader's last resume position ({@code consumed}) up to the newest ({@code head}).
 * Rebuilt by replaying {@link Channel.Stored} events; owned by its one channel actor.
 */
public final class ChannelState {
  /** The state as a snapshot stores it. */
  public record Snapshot(
      String producerDigest,
      String consumerDigest,
      String closedBy,
      long head,
      long consumed,
      List<ChannelMessage> messages,
      Map<String, Long> keys) {}

  private String producerDigest;
  private String consumerDigest;
  private String closedBy;
  private long head;
  private long consumed;
  private final ArrayDeque<ChannelMessage> messages = new ArrayDeque<>();
  private final Map<String, Long> keys = new HashMap<>();
  private final Map<Long, String> keyOf = new HashMap<>();

  ChannelState apply(Channel.Stored event) {
    if (event instanceof Channel.Opened opened) {
      producerDigest = opened.producerDigest();
      consumerDigest = opened.consumerDigest();
    } else if (event instanceof Channel.Written written) {
      head = written.message().seq();
      messages.addLast(written.message());
      if (written.idempotencyKey() != null) {
        keys.put(written.idempotencyKey(), head);
        keyOf.put(head, written.idempotencyKey());
      }
    } else if (event instanceof Channel.Released released) {
      release(released.upTo());
    } else if (event instanceof Channel.Closed closed) {
      closedBy = closed.reason();
      messages.clear();
      keys.clear();
      keyOf.clear();
    }
    return this;
  }

  /** The reader has resumed past {@code upTo}: what it has is let go. */
  private void release(long upTo) {
    while (!messages.isEmpty() && messages.peekFirst().seq() <= upTo) {
      String key = keyOf.remove(messages.pollFirst().seq());
      if (key != null) {
        keys.remove(key);
      }
    }
    consumed = Math.max(consumed, upTo);
  }

  /** True once created and until closed. */
  boolean open() {
    return producerDigest != null && closedBy == null;
  }

  /** True for an id that was never created here (nothing to close). */
  boolean unknown() {
    return producerDigest == null;
  }

  /** Why it was closed ("expired", "deleted"), or null. */
  String closedBy() {
    return closedBy;
  }

  boolean producedBy(ChannelAddress address) {
    return open() && address.opens(producerDigest);
  }

  boolean consumedBy(ChannelAddress address) {
    return open() && address.opens(consumerDigest);
  }

  long head() {
    return head;
  }

  long consumed() {
    return consumed;
  }

  /** The id of the held message written with this key, or null. */
  Long written(String idempotencyKey) {
    return idempotencyKey == null ? null : keys.get(idempotencyKey);
  }

  int size() {
    return messages.size();
  }

  /** The messages after {@code after}, oldest first, at most {@code max} of them or maxBytes. */
  List<ChannelMessage> after(long after, int max, long maxBytes) {
    List<ChannelMessage> out = new ArrayList<>();
    long bytes = 0;
    for (ChannelMessage m : messages) {
      if (m.seq() <= after) {
        continue;
      }
      if (out.size() == max || (!out.isEmpty() && bytes + m.body().length() > maxBytes)) {
        break;
      }
      out.add(m);
      bytes += m.body().length();
    }
    return out;
  }

  Snapshot snapshot() {
    return new Snapshot(
        producerDigest,
        consumerDigest,
        closedBy,
        head,
        consumed,
        List.copyOf(messages),
        Map.copyOf(keys));
  }

  static ChannelState restore(Snapshot s) {
    ChannelState state = new ChannelState();
    state.producerDigest = s.producerDigest();
    state.consumerDigest = s.consumerDigest();
    state.closedBy = s.closedBy();
    state.head = s.head();
    state.consumed = s.consumed();
    state.messages.addAll(s.messages());
    s.keys()
        .forEach(
            (key, seq) -> {
              state.keys.put(key, seq);
              state.keyOf.put(seq, key);
            });
    return state;
  }
}
