package dev.crier.node.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.protocol.cursor.Position;
import org.junit.jupiter.api.Test;

class AckWindowTest {
  private static Position at(long seq) {
    return new Position(7, seq);
  }

  @Test
  void anAckCoversEveryEventUpToItsCursorAndNoMore() {
    AckWindow window = new AckWindow(10, 1_000);
    for (int seq = 1; seq <= 5; seq++) {
      assertTrue(window.sent(0, at(seq), 10));
    }
    window.ack(new Position[] {at(3)});
    assertEquals(2, window.size());
    window.ack(new Position[] {at(2)});
    assertEquals(2, window.size(), "an older ack changes nothing");
    window.ack(new Position[] {at(9)});
    assertEquals(0, window.size());
  }

  @Test
  void aSeveralTopicCursorCoversEachTopicUpToItsOwnPosition() {
    AckWindow window = new AckWindow(10, 1_000);
    window.sent(0, at(1), 1);
    window.sent(1, at(1), 1);
    window.sent(0, at(2), 1);
    window.sent(1, at(2), 1);
    // the cursor of the third event: topic 0 at 2, topic 1 at 1
    window.ack(new Position[] {at(2), at(1)});
    assertEquals(1, window.size());
    window.ack(new Position[] {at(2), at(2)});
    assertEquals(0, window.size());
  }

  @Test
  void aNewerEpochCoversTheOldOne() {
    AckWindow window = new AckWindow(10, 1_000);
    window.sent(0, new Position(7, 40), 1);
    window.ack(new Position[] {new Position(8, 1)});
    assertEquals(0, window.size());
  }

  @Test
  void theWindowIsBoundedByCountAndBySize() {
    AckWindow byCount = new AckWindow(2, 1_000);
    assertTrue(byCount.sent(0, at(1), 1));
    assertTrue(byCount.sent(0, at(2), 1));
    assertFalse(byCount.sent(0, at(3), 1));
    AckWindow bySize = new AckWindow(100, 25);
    assertTrue(bySize.sent(0, at(1), 20));
    assertFalse(bySize.sent(0, at(2), 20));
    bySize = new AckWindow(100, 25);
    bySize.sent(0, at(1), 20);
    bySize.ack(new Position[] {at(1)});
    assertTrue(bySize.sent(0, at(2), 20), "acked bytes are given back");
  }

  @Test
  void jsonDataIsOneWholeJsonValue() {
    assertTrue(SocketEvents.isJson("{\"n\":1}"));
    assertTrue(SocketEvents.isJson(" [1, 2] "));
    assertTrue(SocketEvents.isJson("42"));
    assertTrue(SocketEvents.isJson("\"quoted\""));
    assertTrue(SocketEvents.isJson("true"));
    assertFalse(SocketEvents.isJson("hello"));
    assertFalse(SocketEvents.isJson("1 2"));
    assertFalse(SocketEvents.isJson("{\"n\":1} trailing"));
    assertFalse(SocketEvents.isJson("{\"n\":"));
    assertFalse(SocketEvents.isJson(""));
  }
}
