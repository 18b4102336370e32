package dev.crier.node.topic;

import dev.crier.protocol.cursor.Position;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A hub's latest frames, consecutive and ending at the hub's position (empty after a jump), at most
 * {@code capacity}: a resume or replay they cover is served from them without asking the topic's
 * owner. Used by its hub's actor only.
 */
final class RecentFrames {
  private final int capacity;
  private final ArrayDeque<FeedItem.Frame> frames = new ArrayDeque<>();

  RecentFrames(int capacity) {
    this.capacity = capacity;
  }

  boolean keepsAny() {
    return capacity > 0;
  }

  /** The frame that follows the last one kept; {@code next} false when something lies between. */
  void add(FeedItem.Frame frame, boolean next) {
    if (!next) {
      frames.clear();
    }
    if (capacity == 0) {
      return;
    }
    if (frames.size() == capacity) {
      frames.poll();
    }
    frames.add(frame);
  }

  /** The hub's position moved on without frames: what is kept no longer ends there. */
  void clear() {
    frames.clear();
  }

  /**
   * What a new subscriber needs, given the hub's live position, or null if the kept frames do not
   * cover it.
   *
   * @param after resume after this position, or null
   * @param replay with no {@code after}: how many past events to send first
   */
  List<FeedItem.Frame> covering(Position position, Position after, int replay) {
    if (after == null) {
      if (replay == 0) {
        return List.of();
      }
      return replay <= frames.size() ? latest(replay) : null;
    }
    if (after.epoch() != position.epoch() || after.seq() > position.seq()) {
      return null;
    }
    long missed = position.seq() - after.seq();
    return missed <= frames.size() ? latest((int) missed) : null;
  }

  private List<FeedItem.Frame> latest(int n) {
    List<FeedItem.Frame> out = new ArrayList<>(n);
    int skip = frames.size() - n;
    for (FeedItem.Frame frame : frames) {
      if (skip-- <= 0) {
        out.add(frame);
      }
    }
    return out;
  }
}
