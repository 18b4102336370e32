package dev.crier.node.topic;

import dev.crier.protocol.cursor.Position;
import java.util.List;

/**
 * Answers a {@link TopicOwner.Read} from the owner's state: the events it asks for, or, when its
 * position is not covered (older than what is kept, or from another epoch), the oldest kept ones
 * marked as a loss of continuity.
 */
final class HistoryReads {
  private HistoryReads() {}

  /** Reads {@code state} at {@code now}, first dropping events past the history's age. */
  static TopicOwner.Slice slice(String topic, TopicState state, TopicOwner.Read read, long now) {
    state.forgetAged(now);
    int limit = Math.max(0, read.limit());
    if (read.after() == null) {
      return slice(topic, state, state.last(Math.min(read.last(), limit)), false);
    }
    if (covers(state, read.after())) {
      return slice(topic, state, state.after(read.after().seq(), limit), false);
    }
    return slice(topic, state, state.after(0, limit), true);
  }

  /** True when the events after {@code after} are all kept, or none follow it yet. */
  static boolean covers(TopicState state, Position after) {
    return after.epoch() == state.epoch()
        && after.seq() <= state.headSeq()
        && after.seq() >= state.oldestSeq() - 1;
  }

  private static TopicOwner.Slice slice(
      String topic, TopicState state, List<TopicEvent> events, boolean continuityLost) {
    return new TopicOwner.Slice(topic, state.epoch(), events, state.headSeq(), continuityLost);
  }
}
