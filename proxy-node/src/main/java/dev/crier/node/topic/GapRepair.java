package dev.crier.node.topic;

import dev.crier.protocol.cursor.Position;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A hub's place in its topic's sequence, and how it repairs a gap: an event that follows on from
 * the last one fanned out goes out; one further on waits while the hub reads what lies between from
 * the owner; one at or before the place was had already. A new owner incarnation (a later epoch)
 * starts again at 1, so its first event follows on from anything, and a later one is read from the
 * epoch's start.
 *
 * <p>While the hub does not know its place, or reads from the owner, events wait; beyond what
 * history holds they are dropped, as the read gets them again. The reads that find nothing missing
 * come less often (the interval doubles up to its maximum); one that finds something, or a gap seen
 * live, brings the interval back. Used by its hub's actor only.
 */
final class GapRepair {
  /** What to do with an event that came live. */
  enum Verdict {
    FAN_OUT,
    /** Wait; a read is under way, or the hub's place is not known yet. */
    WAIT,
    /** Wait, and read what is missing from {@link #readFrom()}. */
    READ,
    /** Had already, or of an older incarnation. */
    DROP
  }

  private final int historyLimit;
  private final Duration interval;
  private final Duration maxInterval;
  private Duration nextInterval;

  /** The last event fanned out; null until the owner has told the topic's head. */
  private Position position;

  private Position readFrom;
  private boolean reading;

  /** Events that came while the hub did not know its place, or was reading a gap. */
  private final List<TopicEvent> waiting = new ArrayList<>();

  GapRepair(int historyLimit, Duration interval, Duration maxInterval) {
    this.historyLimit = historyLimit;
    this.interval = interval;
    this.maxInterval = maxInterval;
    this.nextInterval = interval;
  }

  /** The last event fanned out, or the head the owner told; null until then. */
  Position position() {
    return position;
  }

  /** Placed, not reading, nothing waiting: the hub's position is the topic's as far as it knows. */
  boolean steady() {
    return position != null && !reading && waiting.isEmpty();
  }

  boolean reading() {
    return reading;
  }

  /** Where the read a {@link Verdict#READ} asks for starts. */
  Position readFrom() {
    return readFrom;
  }

  Verdict live(TopicEvent e) {
    if (position == null || reading) {
      return hold(e);
    }
    Position p = e.position();
    if (p.epoch() == position.epoch()) {
      if (p.seq() == position.seq() + 1) {
        return Verdict.FAN_OUT;
      }
      return p.seq() > position.seq() ? read(e, position) : Verdict.DROP;
    }
    if (p.epoch() > position.epoch()) {
      return p.seq() == 1 ? Verdict.FAN_OUT : read(e, new Position(p.epoch(), 0));
    }
    return Verdict.DROP;
  }

  private Verdict read(TopicEvent e, Position from) {
    hold(e);
    readFrom = from;
    return Verdict.READ;
  }

  private Verdict hold(TopicEvent e) {
    if (waiting.size() < historyLimit) {
      waiting.add(e);
    }
    return Verdict.WAIT;
  }

  /**
   * What a read of the owner brought.
   *
   * @param missing the events past the hub's place, oldest first, for the hub to fan out
   * @param jumped the owner told a head past the hub's place with no events to go with it (they are
   *     gone): the hub moved there
   * @param anything the read found something missing (or the hub's first place), so the next comes
   *     soon
   */
  record Found(List<TopicEvent> missing, boolean jumped, boolean anything) {}

  void readStarted() {
    reading = true;
  }

  void readFailed() {
    reading = false;
  }

  Found readDone(TopicOwner.Slice slice) {
    reading = false;
    if (position == null) {
      position = slice.head();
      return new Found(List.of(), false, true);
    }
    List<TopicEvent> missing = slice.events().stream().filter(e -> newer(e.position())).toList();
    boolean jumped = slice.events().isEmpty() && newer(slice.head());
    if (jumped) {
      position = slice.head();
    }
    return new Found(missing, jumped, !waiting.isEmpty() || !missing.isEmpty() || jumped);
  }

  /** An event goes out; answers whether it follows on from the last one. */
  boolean fannedOut(Position p) {
    boolean next =
        position != null && p.epoch() == position.epoch() && p.seq() == position.seq() + 1;
    position = p;
    return next;
  }

  private boolean newer(Position p) {
    return p.epoch() > position.epoch()
        || (p.epoch() == position.epoch() && p.seq() > position.seq());
  }

  /** The events that waited, to be taken live again now that the read is over. */
  List<TopicEvent> takeWaiting() {
    List<TopicEvent> out = new ArrayList<>(waiting);
    waiting.clear();
    return out;
  }

  /** How long until the next read: back to the shortest if the last found something missing. */
  Duration nextReadIn(boolean foundMissing) {
    nextInterval = foundMissing ? interval : min(nextInterval.multipliedBy(2), maxInterval);
    return nextInterval;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
