package dev.crier.protocol.envelope;

import dev.crier.protocol.topic.InvalidTopicException;
import dev.crier.protocol.topic.TopicName;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict reading of envelope fields: every failure is an {@link EnvelopeException}. */
final class Bytes {
  private Bytes() {}

  static String utf8(byte[] bytes, int from, int to, String field) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, from, to - from))
          .toString();
    } catch (CharacterCodingException e) {
      throw new EnvelopeException("invalid UTF-8 in the " + field);
    }
  }

  static long uint64(byte[] bytes, int at, String field) {
    need(bytes, at, 8, field);
    long value = 0;
    for (int i = 0; i < 8; i++) {
      value = (value << 8) | (bytes[at + i] & 0xFF);
    }
    return value;
  }

  static int uint16(byte[] bytes, int at, String field) {
    need(bytes, at, 2, field);
    return ((bytes[at] & 0xFF) << 8) | (bytes[at + 1] & 0xFF);
  }

  static void need(byte[] bytes, int at, int n, String field) {
    if (bytes.length - at < n) {
      throw new EnvelopeException("envelope truncated in the " + field);
    }
  }

  /** The topic that starts a message, up to its 0x00 byte (at {@code zero}), validated. */
  static String topic(byte[] message, int zero) {
    if (zero < 0) {
      throw new EnvelopeException("no 0x00 after the topic");
    }
    String topic = utf8(message, 0, zero, "topic");
    try {
      return TopicName.validate(topic);
    } catch (InvalidTopicException e) {
      throw new EnvelopeException("invalid topic: " + e.getMessage());
    }
  }

  static int indexOfZero(byte[] bytes) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == 0) {
        return i;
      }
    }
    return -1;
  }
}
