package dev.crier.protocol.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SseEncoderTest {

  private static String s(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Test
  void eventWritesIdTypeAndDataInThatOrder() {
    assertEquals("id: 7\nevent: tick\ndata: hello\n\n", s(SseEncoder.event("7", "tick", "hello")));
    assertEquals("data: hello\n\n", s(SseEncoder.event(null, null, "hello")));
    assertEquals("data: \n\n", s(SseEncoder.event(null, null, "")));
  }

  @Test
  void everyKindOfLineBreakInDataStartsANewDataLine() {
    assertEquals(
        "data: a\ndata: b\ndata: c\ndata: d\ndata: \n\n",
        s(SseEncoder.event(null, null, "a\nb\r\nc\rd\n")));
    assertEquals("data: \ndata: \n\n", s(SseEncoder.event(null, null, "\r\n")));
  }

  @Test
  void leadingSpaceInDataSurvivesBecauseOneSpaceIsAlwaysWritten() {
    assertEquals("data:  x\n\n", s(SseEncoder.event(null, null, " x")));
  }

  @Test
  void idTypeRetryAndCommentFrames() {
    assertEquals("id: a-1\n", s(SseEncoder.idField("a-1")));
    assertEquals("retry: 3000\n\n", s(SseEncoder.retry(3000)));
    assertEquals(":\n\n", s(SseEncoder.comment("")));
    assertEquals(": one\n: two\n\n", s(SseEncoder.comment("one\ntwo")));
    assertEquals("data: é€😀\n\n", s(SseEncoder.event(null, null, "é€😀")));
  }

  @Test
  void valuesThatCannotBeCarriedAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> SseEncoder.event("a\nb", null, "x"));
    assertThrows(IllegalArgumentException.class, () -> SseEncoder.event("a\rb", null, "x"));
    assertThrows(IllegalArgumentException.class, () -> SseEncoder.idField("a\0b"));
    assertThrows(IllegalArgumentException.class, () -> SseEncoder.event(null, "t\n", "x"));
    assertThrows(IllegalArgumentException.class, () -> SseEncoder.event(null, "t\r", "x"));
    assertThrows(IllegalArgumentException.class, () -> SseEncoder.retry(-1));
  }

  @Test
  void aForbiddenCharacterIsRefusedAlsoAsTheFirstOne() {
    assertThrows(IllegalArgumentException.class, () -> SseEncoder.idField("\nx"));
    assertThrows(IllegalArgumentException.class, () -> SseEncoder.idField("\rx"));
    assertThrows(IllegalArgumentException.class, () -> SseEncoder.idField("\0x"));
    assertThrows(IllegalArgumentException.class, () -> SseEncoder.event(null, "\nt", "x"));
  }

  @Test
  void retryZeroMeansReconnectAtOnce() {
    assertEquals("retry: 0\n\n", s(SseEncoder.retry(0)));
  }
}
