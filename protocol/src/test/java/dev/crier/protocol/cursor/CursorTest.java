package dev.crier.protocol.cursor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class CursorTest {

  @Test
  void positionTextIsBase36EpochDashSeq() {
    Position p = new Position(1_795_573_118_260L, 35);
    assertEquals(Long.toString(1_795_573_118_260L, 36) + "-z", p.toString());
    assertEquals(p, Position.parse(p.toString()));
    assertEquals(new Position(1, 0), Position.parse("1-0"));
  }

  @Test
  void malformedPositionsAreRejectedWithAReason() {
    for (String bad :
        List.of(
            "",
            "-",
            "1-",
            "-1",
            "1_2",
            "1-2-3",
            "A-1",
            "0-1",
            "1- 2",
            "zzzzzzzzzzzzzz-1",
            "1-2!")) {
      InvalidCursorException e =
          assertThrows(InvalidCursorException.class, () -> Position.parse(bad), bad);
      assertTrue(e.getMessage().contains("cursor"), e.getMessage());
    }
    assertThrows(InvalidCursorException.class, () -> new Position(0, 1));
    assertThrows(InvalidCursorException.class, () -> new Position(1, -1));
  }

  @Test
  void theLargestLongIsAPositionAndOneMoreIsNot() {
    String max = Long.toString(Long.MAX_VALUE, 36);
    assertEquals(new Position(Long.MAX_VALUE, Long.MAX_VALUE), Position.parse(max + "-" + max));
    String overflow = "1y2p0ij32e8e8";
    assertEquals(max.length(), overflow.length(), "the same number of digits, one more in value");
    assertThrows(InvalidCursorException.class, () -> Position.parse(overflow + "-1"));
    assertThrows(InvalidCursorException.class, () -> Position.parse("1-" + overflow));
  }

  @Test
  void aMalformedCursorIsRefusedForItsOwnReason() {
    CursorCodec one = new CursorCodec(List.of("a"));
    assertMessage("several topics", () -> one.parse("~1-2"));
    CursorCodec two = new CursorCodec(List.of("a", "b"));
    String cursor = two.format(new Position[] {new Position(1, 2), new Position(3, 4)});
    String fp = cursor.substring(cursor.indexOf('~'));
    assertMessage("different set of topics", () -> two.parse("~x"));
    assertMessage("fewer positions", () -> two.parse(fp));
    assertMessage("<epoch>-<seq>", () -> two.parse(".1-2" + fp));
  }

  private static void assertMessage(String expected, Executable e) {
    String message = assertThrows(InvalidCursorException.class, e).getMessage();
    assertTrue(message.contains(expected), message);
  }

  @Test
  void oneTopicCursorIsThePositionItself() {
    CursorCodec codec = new CursorCodec(List.of("a"));
    Position[] p = {new Position(5, 7)};
    assertEquals("5-7", codec.format(p));
    assertArrayEquals(p, codec.parse("5-7"));
    assertThrows(InvalidCursorException.class, () -> codec.parse("5-7.5-8~abc"));
  }

  @Test
  void severalTopicCursorCarriesEveryPositionAndTheTopicSet() {
    CursorCodec codec = new CursorCodec(List.of("b", "a", "b"));
    assertEquals(List.of("a", "b"), codec.topics());
    assertEquals(1, codec.indexOf("b"));
    assertEquals(-1, codec.indexOf("c"));
    Position[] p = {new Position(1, 2), new Position(3, 4)};
    String cursor = codec.format(p);
    assertTrue(cursor.startsWith("1-2.3-4~"), cursor);
    assertArrayEquals(p, new CursorCodec(Set.of("a", "b")).parse(cursor));
    InvalidCursorException other =
        assertThrows(
            InvalidCursorException.class, () -> new CursorCodec(List.of("a", "c")).parse(cursor));
    assertTrue(other.getMessage().contains("different set of topics"));
    String fp = cursor.substring(cursor.indexOf('~'));
    assertThrows(InvalidCursorException.class, () -> codec.parse("1-2" + fp));
    assertThrows(InvalidCursorException.class, () -> codec.parse("1-2.3-4.5-6" + fp));
    assertThrows(InvalidCursorException.class, () -> codec.parse("1-2"));
    assertThrows(InvalidCursorException.class, () -> codec.parse(""));
  }

  @Provide
  Arbitrary<List<String>> topicSets() {
    return Arbitraries.strings()
        .withCharRange('a', 'z')
        .withChars("/-.")
        .ofMinLength(1)
        .ofMaxLength(20)
        .set()
        .ofMinSize(1)
        .ofMaxSize(32)
        .map(List::copyOf);
  }

  @Property(tries = 1000)
  void parseOfFormatIsIdentity(@ForAll("topicSets") List<String> topics, @ForAll long seed) {
    CursorCodec codec = new CursorCodec(topics);
    java.util.Random random = new java.util.Random(seed);
    Position[] positions = new Position[codec.topics().size()];
    for (int i = 0; i < positions.length; i++) {
      positions[i] =
          new Position(
              1 + (random.nextLong() >>> 1) % (Long.MAX_VALUE - 1), random.nextLong() >>> 1);
    }
    assertArrayEquals(positions, codec.parse(codec.format(positions)));
  }
}
