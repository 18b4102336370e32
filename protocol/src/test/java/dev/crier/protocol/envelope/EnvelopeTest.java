package dev.crier.protocol.envelope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.crier.protocol.cursor.Position;
import dev.crier.protocol.topic.TopicName;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class EnvelopeTest {

  @Test
  void anEventIsLaidOutByteByByteAsDocumented() {
    EventEnvelope e = new EventEnvelope("news/1", new Position(0x1234, 7), 0x0102, "up", "hi");
    // docs/protocol.md shows this same example
    assertEquals(
        "6e6577732f31" // topic "news/1"
            + "00" // end of topic
            + "01" // version
            + "45" // kind 'E'
            + "0000000000001234" // epoch
            + "0000000000000007" // sequence
            + "0000000000000102" // published at, epoch ms
            + "0002" // type length
            + "7570" // type "up"
            + "6869", // data "hi"
        HexFormat.of().formatHex(e.encode()));
    assertEquals(e, BridgeMessage.decode(e.encode()));
  }

  @Test
  void anEmptyTypeIsTheDefaultType() {
    EventEnvelope e = new EventEnvelope("t", new Position(1, 1), 5, "", "");
    assertNull(e.type());
    assertNull(((EventEnvelope) BridgeMessage.decode(e.encode())).type());
  }

  @Test
  void aHelloStartsWithZeroAndRoundTrips() {
    Hello h = new Hello("node-1", "pekko://crier@127.0.0.1:17356");
    assertEquals("00014800066e6f64652d31", HexFormat.of().formatHex(h.encode()).substring(0, 22));
    assertEquals(h, BridgeMessage.decode(h.encode()));
    assertThrows(IllegalArgumentException.class, () -> new Hello(null, "pekko://crier@h:1"));
    assertThrows(IllegalArgumentException.class, () -> new Hello("node-1", null));
  }

  @Test
  void anEventTheWireCannotCarryIsRefusedWhenBuilt() {
    Position p = new Position(1, 1);
    assertThrows(IllegalArgumentException.class, () -> new EventEnvelope("a b", p, 0, null, ""));
    assertThrows(IllegalArgumentException.class, () -> new EventEnvelope("t", null, 0, null, ""));
    assertThrows(IllegalArgumentException.class, () -> new EventEnvelope("t", p, 0, null, null));
    assertThrows(
        IllegalArgumentException.class,
        () -> new EventEnvelope("t", p, 0, "x".repeat(0x10000), ""));
  }

  @Test
  void theLongestTypeAndNodeIdTheU16LengthCanSayRoundTrip() {
    EventEnvelope e = new EventEnvelope("t", new Position(1, 1), 0, "x".repeat(0xFFFF), "d");
    assertEquals(e, BridgeMessage.decode(e.encode()));
    Hello h = new Hello("n".repeat(0xFFFF), "pekko://crier@h:1");
    assertEquals(h, BridgeMessage.decode(h.encode()));
    assertThrows(IllegalArgumentException.class, () -> new Hello("n".repeat(0x10000), "a"));
  }

  @Test
  void malformedHellosSayWhatIsWrong() {
    byte[] version = new Hello("n", "a").encode();
    version[1] = 9;
    assertEquals(
        "unknown envelope version 9",
        assertThrows(EnvelopeException.class, () -> BridgeMessage.decode(version)).getMessage());
    byte[] kind = new Hello("n", "a").encode();
    kind[2] = 'E';
    assertEquals(
        "unknown control message kind 0x45",
        assertThrows(EnvelopeException.class, () -> BridgeMessage.decode(kind)).getMessage());
  }

  @Test
  void pushedEventsAreTopicZeroData() {
    PushedEvent p = PushedEvent.parse("orders/1\0{\"id\":1}".getBytes(StandardCharsets.UTF_8));
    assertEquals(new PushedEvent("orders/1", "{\"id\":1}"), p);
    assertArrayEquals("orders/1\0{\"id\":1}".getBytes(StandardCharsets.UTF_8), p.encode());
    assertEquals("", PushedEvent.parse("a\0".getBytes(StandardCharsets.UTF_8)).data());
    assertEquals(
        "no 0x00 after the topic",
        assertThrows(EnvelopeException.class, () -> PushedEvent.parse("orders".getBytes()))
            .getMessage());
    assertThrows(EnvelopeException.class, () -> PushedEvent.parse("a b\0x".getBytes()));
    assertEquals(
        "invalid topic: " + TopicName.RULE + "; it is empty",
        assertThrows(EnvelopeException.class, () -> PushedEvent.parse("\0x".getBytes()))
            .getMessage());
    assertEquals(
        "invalid UTF-8 in the data",
        assertThrows(
                EnvelopeException.class, () -> PushedEvent.parse(new byte[] {'a', 0, (byte) 0xC3}))
            .getMessage());
  }

  @Test
  void malformedEnvelopesSayWhatIsWrong() {
    byte[] good = new EventEnvelope("t", new Position(1, 1), 5, "x", "d").encode();
    byte[] version = good.clone();
    version[2] = 9;
    assertEquals(
        "unknown envelope version 9",
        assertThrows(EnvelopeException.class, () -> BridgeMessage.decode(version)).getMessage());
    byte[] kind = good.clone();
    kind[3] = 'Z';
    assertEquals(
        "unknown message kind 0x5a",
        assertThrows(EnvelopeException.class, () -> BridgeMessage.decode(kind)).getMessage());
    assertEquals(
        "envelope truncated in the sequence",
        assertThrows(
                EnvelopeException.class,
                () -> BridgeMessage.decode(java.util.Arrays.copyOf(good, 14)))
            .getMessage());
    byte[] epochZero = good.clone();
    java.util.Arrays.fill(epochZero, 4, 12, (byte) 0);
    assertThrows(EnvelopeException.class, () -> BridgeMessage.decode(epochZero));
    assertThrows(EnvelopeException.class, () -> BridgeMessage.decode(new byte[0]));
  }

  @Property(tries = 500)
  void everyEventRoundTrips(@ForAll("events") EventEnvelope event) {
    assertEquals(event, BridgeMessage.decode(event.encode()));
  }

  @Provide
  Arbitrary<EventEnvelope> events() {
    Arbitrary<String> topics =
        Arbitraries.strings()
            .withCharRange('a', 'z')
            .withCharRange('A', 'Z')
            .withCharRange('0', '9')
            .withChars("._~:@!$&'()*+,;=/-")
            .ofMinLength(1)
            .ofMaxLength(256);
    Arbitrary<Position> positions =
        Combinators.combine(
                Arbitraries.longs().between(1, Long.MAX_VALUE),
                Arbitraries.longs().between(0, Long.MAX_VALUE))
            .as(Position::new);
    Arbitrary<String> text =
        Arbitraries.strings().all().ofMaxLength(200).filter(EnvelopeTest::wellFormed);
    return Combinators.combine(topics, positions, Arbitraries.longs(), text.injectNull(0.2), text)
        .as(EventEnvelope::new);
  }

  /** Lone surrogates cannot be encoded as UTF-8, so they cannot round-trip through any wire. */
  private static boolean wellFormed(String s) {
    return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8).equals(s);
  }
}
