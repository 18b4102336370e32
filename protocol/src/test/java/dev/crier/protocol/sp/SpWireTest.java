package dev.crier.protocol.sp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class SpWireTest {

  private static List<byte[]> decode(SpFrameDecoder decoder, byte[] bytes, int chunk) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < bytes.length; i += chunk) {
      decoder.feed(ByteBuffer.wrap(bytes, i, Math.min(chunk, bytes.length - i)), out::add);
    }
    return out;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void headersAndFramesMatchWhatLibnngSends() {
    byte[] push = Fixtures.hex("push0-job-1.hex");
    byte[] job = "job-1".getBytes(StandardCharsets.US_ASCII);
    assertArrayEquals(concat(SpHeader.encode(SpProtocol.PUSH0), SpFrameEncoder.frame(job)), push);
    assertEquals(SpProtocol.PUSH0, SpHeader.expectPeer(Arrays.copyOf(push, 8), SpProtocol.PULL0));
    List<byte[]> messages =
        decode(
            new SpFrameDecoder(SpWire.DEFAULT_MAX_MESSAGE_BYTES),
            Arrays.copyOfRange(push, 8, push.length),
            3);
    assertEquals(1, messages.size());
    assertArrayEquals(job, messages.get(0));

    byte[] pub = Fixtures.hex("pub0-news-hello.hex");
    assertArrayEquals(
        concat(
            SpHeader.encode(SpProtocol.PUB0),
            SpFrameEncoder.frame("news/hello".getBytes(StandardCharsets.US_ASCII))),
        pub);
    assertArrayEquals(SpHeader.encode(SpProtocol.SUB0), Fixtures.hex("sub0-header.hex"));
    // what a node answers an ingesting push0 dialer with
    assertArrayEquals(SpHeader.encode(SpProtocol.PULL0), Fixtures.hex("pull0-header.hex"));
  }

  @Test
  void busAndPairOneMatchWhatLibnngSends() {
    byte[] bus = Fixtures.hex("bus0-bus-hello.hex");
    byte[] hello = "bus-hello".getBytes(StandardCharsets.US_ASCII);
    assertArrayEquals(concat(SpHeader.encode(SpProtocol.BUS0), SpFrameEncoder.frame(hello)), bus);
    assertEquals(SpProtocol.BUS0, SpHeader.expectPeer(Arrays.copyOf(bus, 8), SpProtocol.BUS0));
    List<byte[]> messages =
        decode(new SpFrameDecoder(64), Arrays.copyOfRange(bus, 8, bus.length), 1);
    assertEquals(1, messages.size());
    assertArrayEquals(hello, messages.get(0));

    // pair1 puts a hop count in the body; to the SP framing it is just part of the message.
    byte[] pair = Fixtures.hex("pair1-hi-pair1.hex");
    byte[] hopAndBody =
        concat(new byte[] {0, 0, 0, 1}, "hi-pair1".getBytes(StandardCharsets.US_ASCII));
    assertArrayEquals(
        concat(SpHeader.encode(SpProtocol.PAIR1), SpFrameEncoder.frame(hopAndBody)), pair);
    assertArrayEquals(
        hopAndBody,
        decode(new SpFrameDecoder(64), Arrays.copyOfRange(pair, 8, pair.length), 5).get(0));
  }

  @Test
  void everyProtocolTalksToItsPeerOnly() {
    assertTrue(SpProtocol.PUSH0.acceptsPeer(SpProtocol.PULL0));
    assertTrue(SpProtocol.SUB0.acceptsPeer(SpProtocol.PUB0));
    assertTrue(SpProtocol.BUS0.acceptsPeer(SpProtocol.BUS0));
    assertTrue(SpProtocol.PAIR1.acceptsPeer(SpProtocol.PAIR1));
    assertFalse(SpProtocol.PAIR0.acceptsPeer(SpProtocol.PAIR1));
    assertFalse(SpProtocol.PUSH0.acceptsPeer(SpProtocol.PUB0));
    for (SpProtocol p : SpProtocol.values()) {
      assertEquals(p, p.peer().peer());
      assertEquals(p, SpProtocol.byId(p.id()).orElseThrow());
      assertEquals(p, SpHeader.decode(SpHeader.encode(p)));
    }
    SpProtocolException e =
        assertThrows(
            SpProtocolException.class,
            () -> SpHeader.expectPeer(SpHeader.encode(SpProtocol.PUB0), SpProtocol.PUSH0));
    assertEquals(SpProtocolException.Reason.INCOMPATIBLE_PEER, e.reason());
    assertEquals("push0 does not talk to pub0", e.getMessage());
  }

  @Test
  void wireNamesAreTheOnesLibnngUses() {
    for (SpProtocol p : SpProtocol.values()) {
      assertEquals(p.name().toLowerCase(Locale.ROOT), p.wireName());
    }
  }

  @Test
  void badHeadersAreRefusedWithTheirReason() {
    assertEquals(
        SpProtocolException.Reason.BAD_MAGIC,
        assertThrows(
                SpProtocolException.class,
                () -> SpHeader.decode("GET / HT".getBytes(StandardCharsets.US_ASCII)))
            .reason());
    assertEquals(
        SpProtocolException.Reason.RESERVED_NOT_ZERO,
        assertThrows(
                SpProtocolException.class,
                () -> SpHeader.decode(new byte[] {0, 'S', 'P', 0, 0, 0x50, 0, 1}))
            .reason());
    assertEquals(
        SpProtocolException.Reason.UNKNOWN_PROTOCOL,
        assertThrows(
                SpProtocolException.class,
                () -> SpHeader.decode(new byte[] {0, 'S', 'P', 0, 0, 0x52, 0, 0}))
            .reason());
    // A known protocol's low byte under a non-zero high byte is still unknown: the id is 16 bits.
    SpProtocolException wide =
        assertThrows(
            SpProtocolException.class,
            () -> SpHeader.decode(new byte[] {0, 'S', 'P', 0, 0x01, 0x10, 0, 0}));
    assertEquals(SpProtocolException.Reason.UNKNOWN_PROTOCOL, wide.reason());
    assertEquals("unknown SP protocol id 0x0110", wide.getMessage());
    assertEquals(
        SpProtocolException.Reason.TRUNCATED,
        assertThrows(SpProtocolException.class, () -> SpHeader.decode(new byte[] {0, 'S', 'P'}))
            .reason());
  }

  @Test
  void framesSurviveAnyChunkingAndZeroLengthMessagesAreMessages() {
    byte[] stream =
        concat(
            concat(SpFrameEncoder.frame(new byte[0]), SpFrameEncoder.frame("ab".getBytes())),
            concat(SpFrameEncoder.frame(new byte[0]), SpFrameEncoder.frame(new byte[300])));
    for (int chunk : new int[] {1, 2, 7, 8, 9, 1000}) {
      SpFrameDecoder decoder = new SpFrameDecoder(1000);
      List<byte[]> messages = decode(decoder, stream, chunk);
      assertEquals(4, messages.size(), "chunk " + chunk);
      assertEquals(0, messages.get(0).length);
      assertArrayEquals("ab".getBytes(), messages.get(1));
      assertEquals(0, messages.get(2).length);
      assertEquals(300, messages.get(3).length);
      assertTrue(decoder.atMessageBoundary());
    }
  }

  @Test
  void aLimitOfZeroAllowsOnlyEmptyMessages() {
    SpFrameDecoder decoder = new SpFrameDecoder(0);
    assertEquals(1, decode(decoder, SpFrameEncoder.frame(new byte[0]), 8).size());
    assertEquals(
        SpProtocolException.Reason.OVERSIZE,
        assertThrows(
                SpProtocolException.class,
                () -> decode(decoder, SpFrameEncoder.frame(new byte[1]), 9))
            .reason());
    assertThrows(IllegalArgumentException.class, () -> new SpFrameDecoder(-1));
  }

  @Test
  void aTruncatedMessageLeavesTheDecoderMidMessage() {
    SpFrameDecoder decoder = new SpFrameDecoder(100);
    byte[] frame = SpFrameEncoder.frame("hello".getBytes());
    assertTrue(decode(decoder, Arrays.copyOf(frame, 10), 10).isEmpty());
    assertFalse(decoder.atMessageBoundary());
    SpFrameDecoder prefixOnly = new SpFrameDecoder(100);
    decode(prefixOnly, Arrays.copyOf(frame, 3), 3);
    assertFalse(prefixOnly.atMessageBoundary());
  }

  @Test
  void aLengthOverTheLimitIsRefusedBeforeTheBodyArrives() {
    SpFrameDecoder decoder = new SpFrameDecoder(1 << 20);
    SpProtocolException e =
        assertThrows(
            SpProtocolException.class,
            () -> decode(decoder, SpFrameEncoder.lengthPrefix((1 << 20) + 1), 8));
    assertEquals(SpProtocolException.Reason.OVERSIZE, e.reason());
    assertEquals("message of 1048577 bytes exceeds the receive limit of 1048576", e.getMessage());
    assertFalse(decoder.atMessageBoundary());
    assertThrows(SpProtocolException.class, () -> decode(decoder, new byte[1], 1));
    byte[] topBit = {(byte) 0x80, 0, 0, 0, 0, 0, 0, 1};
    assertEquals(
        "message of 9223372036854775809 bytes exceeds the receive limit of 1048576",
        assertThrows(
                SpProtocolException.class, () -> decode(new SpFrameDecoder(1 << 20), topBit, 8))
            .getMessage());
    assertEquals(
        1 << 20,
        decode(new SpFrameDecoder(1 << 20), SpFrameEncoder.frame(new byte[1 << 20]), 65536)
            .get(0)
            .length);
  }
}
