package dev.crier.protocol.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The WHATWG "event stream interpretation" rules, with the spec's own examples. */
class SseParserTest {

  private static final class Recorder implements SseParser.Listener {
    final List<SseEvent> events = new ArrayList<>();
    final List<Long> retries = new ArrayList<>();
    final List<String> comments = new ArrayList<>();

    @Override
    public void onEvent(SseEvent e) {
      events.add(e);
    }

    @Override
    public void onRetry(long millis) {
      retries.add(millis);
    }

    @Override
    public void onComment(String text) {
      comments.add(text);
    }
  }

  private static Recorder parse(String stream) {
    return parse(stream.getBytes(StandardCharsets.UTF_8));
  }

  private static Recorder parse(byte[] stream) {
    Recorder r = new Recorder();
    new SseParser(r).feed(stream);
    return r;
  }

  private static Recorder parseByteByByte(byte[] stream) {
    Recorder r = new Recorder();
    SseParser parser = new SseParser(r);
    for (byte b : stream) {
      parser.feed(new byte[] {b}, 0, 1);
    }
    return r;
  }

  private static List<String> data(Recorder r) {
    return r.events.stream().map(SseEvent::data).toList();
  }

  @Test
  void specExampleStockTicker() {
    Recorder r = parse("data: YHOO\ndata: +2\ndata: 10\n\n");
    assertEquals(List.of(new SseEvent("message", "YHOO\n+2\n10", "")), r.events);
  }

  @Test
  void specExampleWithCommentAndIds() {
    Recorder r =
        parse(
            ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n");
    assertEquals(List.of("test stream"), r.comments);
    assertEquals(
        List.of(
            new SseEvent("message", "first event", "1"),
            new SseEvent("message", "second event", ""),
            new SseEvent("message", " third event", "")),
        r.events);
  }

  @Test
  void specExampleEmptyDataFields() {
    Recorder r = parse("data\n\ndata\ndata\n\ndata:\n");
    assertEquals(List.of("", "\n"), data(r));
  }

  @Test
  void specExampleSpaceAfterColonIsOptional() {
    assertEquals(List.of("test", "test"), data(parse("data:test\n\ndata: test\n\n")));
  }

  @Test
  void eventFieldSetsTypeForOneEventOnly() {
    Recorder r = parse("event: add\ndata: 1\n\ndata: 2\n\n");
    assertEquals("add", r.events.get(0).type());
    assertEquals("message", r.events.get(1).type());
  }

  @Test
  void eventWithoutDataIsNotDispatchedAndItsTypeIsForgotten() {
    Recorder r = parse("event: lonely\n\ndata: x\n\n");
    assertEquals(List.of(new SseEvent("message", "x", "")), r.events);
  }

  @Test
  void crLfCrAndLfAllEndLines() {
    assertEquals(List.of("a\nb\nc"), data(parse("data: a\r\ndata: b\rdata: c\n\r\n")));
    assertEquals(List.of("x", "y"), data(parse("data: x\r\rdata: y\n\n")));
  }

  @Test
  void crLfSplitBetweenReadsCountsOnce() {
    Recorder r = new Recorder();
    SseParser p = new SseParser(r);
    p.feed("data: a\r".getBytes(StandardCharsets.UTF_8));
    p.feed("\ndata: b\r".getBytes(StandardCharsets.UTF_8));
    p.feed("\n\r".getBytes(StandardCharsets.UTF_8));
    p.feed("\n".getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of("a\nb"), data(r));
  }

  @Test
  void leadingBomIsDroppedOnceButASecondOneIsKept() {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    byte[] body = "data: x\n\n".getBytes(StandardCharsets.UTF_8);
    byte[] once = concat(bom, body);
    assertEquals(List.of("x"), data(parse(once)));
    assertEquals(List.of("x"), data(parseByteByByte(once)));
    Recorder twice = parse(concat(bom, concat(bom, body)));
    assertEquals(List.of(), twice.events, "a second BOM makes the field name \\uFEFFdata");
  }

  @Test
  void multiByteCharactersSplitBetweenReadsDecodeCorrectly() {
    byte[] stream = "data: é€😀\n\n".getBytes(StandardCharsets.UTF_8);
    assertEquals(List.of("é€😀"), data(parseByteByByte(stream)));
  }

  @Test
  void invalidUtf8BecomesReplacementCharacter() {
    byte[] stream =
        concat("data: a".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xC3, '\n', '\n'});
    assertEquals(List.of("a\uFFFD"), data(parse(stream)));
  }

  @Test
  void idContainingNulIsIgnoredAndIdsPersistAcrossEvents() {
    Recorder r = parse("id: 1\ndata: a\n\nid: 2\u0000x\ndata: b\n\ndata: c\n\nid\ndata: d\n\n");
    assertEquals(List.of("1", "1", "1", ""), r.events.stream().map(SseEvent::lastEventId).toList());
  }

  @Test
  void retryAcceptsOnlyAsciiDigits() {
    Recorder r =
        parse("retry: 1500\nretry: 15x\nretry: -1\nretry:\nretry: 99999999999999999999\nretry:7\n");
    assertEquals(List.of(1500L, 7L), r.retries);
  }

  @Test
  void retryTakesEveryDigitAndTheLargestLongButNothingBeyond() {
    Recorder r =
        parse(
            "retry: 0\nretry: 9\nretry: 1234567890\nretry: 9223372036854775807\n"
                + "retry: 9223372036854775808\n");
    assertEquals(List.of(0L, 9L, 1234567890L, Long.MAX_VALUE), r.retries);
  }

  @Test
  void commentTextDropsOneLeadingSpaceOnly() {
    Recorder r = parse(": spaced\n:\n:tight\n:  two\n: \n");
    assertEquals(List.of("spaced", "", "tight", " two", ""), r.comments);
  }

  @Test
  void lastEventIdIsTheStreamsCurrentId() {
    Recorder r = new Recorder();
    SseParser p = new SseParser(r);
    assertEquals("", p.lastEventId());
    p.feed("id: 41\ndata: a\n\nid: 42\n".getBytes(StandardCharsets.UTF_8));
    assertEquals("42", p.lastEventId(), "set by the id line before its event is dispatched");
    p.feed("id\n".getBytes(StandardCharsets.UTF_8));
    assertEquals("", p.lastEventId());
  }

  @Test
  void fieldWithoutColonAndUnknownFieldsAreHandledPerSpec() {
    assertEquals(List.of(""), data(parse("data\n\n")));
    assertEquals(List.of("x"), data(parse("foo: bar\ndata: x\nbaz\n\n")));
    assertEquals(List.of("a:b"), data(parse("data: a:b\n\n")));
  }

  @Test
  void unfinishedEventAtEndOfStreamIsNotDispatched() {
    assertEquals(List.of("done"), data(parse("data: done\n\ndata: half")));
    assertEquals(List.of(), data(parse("data: half\n")));
  }

  @Test
  void byteBufferFeedConsumesTheBuffer() {
    Recorder r = new Recorder();
    SseParser p = new SseParser(r);
    ByteBuffer direct = ByteBuffer.allocateDirect(16);
    direct.put("data: d\n\n".getBytes(StandardCharsets.UTF_8)).flip();
    p.feed(direct);
    ByteBuffer heap = ByteBuffer.wrap("xxdata: h\n\n".getBytes(StandardCharsets.UTF_8), 2, 9);
    p.feed(heap);
    assertEquals(0, direct.remaining());
    assertEquals(0, heap.remaining());
    assertEquals(List.of("d", "h"), data(r));
  }

  @Test
  void longLinesGrowTheBuffer() {
    String big = "x".repeat(100_000);
    assertEquals(List.of(big), data(parse("data: " + big + "\n\n")));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
