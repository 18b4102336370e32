package dev.crier.protocol.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Encoding then parsing gives back the event, for any text the wire can carry. */
class SseRoundTripTest {

  @Provide
  Arbitrary<String> anyText() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(200),
        Arbitraries.strings().withChars("\r\n\0 :ab€😀").ofMaxLength(40),
        Arbitraries.strings().all().ofMaxLength(60));
  }

  @Provide
  Arbitrary<String> fieldText() {
    return anyText().map(s -> s.replace("\r", "").replace("\n", ""));
  }

  @Provide
  Arbitrary<String> idText() {
    return fieldText().map(s -> s.replace("\0", ""));
  }

  /** What a parser must give back: line breaks normalised to LF; lone surrogates as UTF-8 does. */
  private static String expectedData(String data) {
    return wireSafe(data.replace("\r\n", "\n").replace('\r', '\n'));
  }

  private static String wireSafe(String s) {
    return new String(
        s.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        java.nio.charset.StandardCharsets.UTF_8);
  }

  @Property(tries = 2000)
  void encodeThenParseIsIdentity(
      @ForAll("anyText") String data,
      @ForAll("fieldText") String type,
      @ForAll("idText") String id,
      @ForAll @IntRange(min = 1, max = 17) int chunk) {
    String sentType = type.isEmpty() ? null : type;
    byte[] frame = SseEncoder.event(id, sentType, data);
    List<SseEvent> got = new ArrayList<>();
    SseParser parser = new SseParser(got::add);
    for (int i = 0; i < frame.length; i += chunk) {
      parser.feed(frame, i, Math.min(chunk, frame.length - i));
    }
    assertEquals(1, got.size());
    SseEvent e = got.get(0);
    assertEquals(expectedData(data), e.data());
    assertEquals(sentType == null ? "message" : wireSafe(sentType), e.type());
    assertEquals(wireSafe(id), e.lastEventId());
  }

  @Property(tries = 300)
  void aSequenceOfFramesParsesToTheSameSequence(
      @ForAll("anyText") String a, @ForAll("anyText") String b, @ForAll("anyText") String c) {
    java.io.ByteArrayOutputStream stream = new java.io.ByteArrayOutputStream();
    stream.writeBytes(SseEncoder.retry(1000));
    stream.writeBytes(SseEncoder.event("1", null, a));
    stream.writeBytes(SseEncoder.comment("keep-alive"));
    stream.writeBytes(SseEncoder.event(null, "t", b));
    stream.writeBytes(SseEncoder.idField("3"));
    stream.writeBytes(SseEncoder.event(null, null, c));
    List<SseEvent> got = new ArrayList<>();
    new SseParser(got::add).feed(stream.toByteArray());
    assertEquals(
        List.of(
            new SseEvent("message", expectedData(a), "1"),
            new SseEvent("t", expectedData(b), "1"),
            new SseEvent("message", expectedData(c), "3")),
        got);
  }
}
