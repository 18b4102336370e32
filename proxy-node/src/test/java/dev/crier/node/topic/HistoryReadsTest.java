package dev.crier.node.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.protocol.cursor.Position;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryReadsTest {
  private static final long EPOCH = 1_700_000_000_000L;
  private static final String TOPIC = "reads/topic";

  /** A topic that has had events 1 to {@code count}, a second apart, keeping {@code maxEvents}. */
  private static TopicState state(int maxEvents, int count) {
    TopicState state =
        new TopicState(
            new TopicOwnerSettings(
                new HistorySettings(maxEvents, Duration.ofMinutes(1)),
                new DedupeSettings(Duration.ofMinutes(5), 100),
                10,
                TopicOwnerTest.MEMORY),
            new HistoryCounters());
    state.apply(new TopicOwner.Started(EPOCH));
    for (int seq = 1; seq <= count; seq++) {
      Position position = new Position(EPOCH, seq);
      state.apply(
          new TopicOwner.Sequenced(
              new TopicEvent(TOPIC, position, null, "e" + seq, EPOCH + seq * 1000L), null, null));
    }
    return state;
  }

  private static TopicOwner.Slice read(TopicState state, Position after, int last, int limit) {
    return HistoryReads.slice(
        TOPIC, state, new TopicOwner.Read(after, last, limit, null), EPOCH + 5000);
  }

  private static List<Long> seqs(TopicOwner.Slice slice) {
    return slice.events().stream().map(TopicEvent::seq).toList();
  }

  @Test
  void withoutAPositionItGivesTheNewestEventsUpToTheLimit() {
    TopicState state = state(10, 4);
    assertEquals(List.of(3L, 4L), seqs(read(state, null, 2, 10)));
    assertEquals(List.of(4L), seqs(read(state, null, 2, 1)));
    TopicOwner.Slice none = read(state, null, 0, 10);
    assertEquals(List.of(), none.events());
    assertEquals(new Position(EPOCH, 4), none.head());
  }

  @Test
  void aCoveredPositionGivesTheEventsAfterIt() {
    TopicOwner.Slice slice = read(state(10, 4), new Position(EPOCH, 1), 0, 2);
    assertEquals(List.of(2L, 3L), seqs(slice));
    assertFalse(slice.continuityLost());
    assertEquals(4, slice.headSeq());
  }

  @Test
  void aPositionNotCoveredGivesTheOldestKeptEventsAndSaysSo() {
    TopicState state = state(2, 4);
    assertTrue(HistoryReads.covers(state, new Position(EPOCH, 2)));
    assertFalse(HistoryReads.covers(state, new Position(EPOCH, 1)));
    TopicOwner.Slice tooOld = read(state, new Position(EPOCH, 1), 0, 10);
    assertTrue(tooOld.continuityLost());
    assertEquals(List.of(3L, 4L), seqs(tooOld));
    assertTrue(read(state, new Position(EPOCH - 1, 1), 0, 10).continuityLost());
    assertTrue(read(state, new Position(EPOCH, 5), 0, 10).continuityLost());
  }

  @Test
  void eventsPastTheHistoryAgeAreDroppedWhenRead() {
    TopicState state = state(10, 2);
    TopicOwner.Slice later =
        HistoryReads.slice(TOPIC, state, new TopicOwner.Read(null, 10, 10, null), EPOCH + 61_500);
    assertEquals(List.of(2L), seqs(later));
  }
}
