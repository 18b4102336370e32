package dev.crier.protocol.sp;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.crier.protocol.cursor.Position;
import dev.crier.protocol.envelope.BridgeMessage;
import dev.crier.protocol.envelope.EnvelopeException;
import dev.crier.protocol.envelope.EventEnvelope;
import dev.crier.protocol.envelope.Hello;
import dev.crier.protocol.envelope.PushedEvent;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated input for every decoder of bridge traffic: nothing but a protocol error ever
 * comes out, and no message longer than the limit is ever produced. {@code -Dcrier.fuzz.cases} sets
 * how many cases (the {@code fuzz} Maven profile runs a million), {@code -Dcrier.fuzz.seed} replays
 * a failure.
 */
class SpDecodingFuzzTest {
  private static final int LIMIT = 4096;

  private static final long[] BOUNDARY_LENGTHS = {
    LIMIT - 1,
    LIMIT,
    LIMIT + 1,
    Integer.MAX_VALUE,
    1L << 31,
    1L << 32,
    Long.MAX_VALUE,
    Long.MIN_VALUE,
    -1
  };

  private static final byte[][] SEEDS = {
    new EventEnvelope(
            "orders/1",
            new Position(1_700_000_000_000L, 42),
            1_700_000_000_123L,
            "created",
            "{\"id\":1}")
        .encode(),
    new EventEnvelope("a", new Position(1, 0), 0, null, "").encode(),
    new Hello("node-1", "pekko://crier@127.0.0.1:17355").encode(),
    new PushedEvent("news", "héllo").encode(),
  };

  @Test
  void decodersOnlyEverFailWithProtocolErrorsAndNeverExceedTheLimit() {
    int cases = Integer.getInteger("crier.fuzz.cases", 50_000);
    long seed = Long.getLong("crier.fuzz.seed", 20261125L);
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < cases; i++) {
      byte[] input = input(random);
      try {
        decodeStream(input, random);
        decodeMessage(input);
      } catch (Throwable t) {
        fail("case " + i + " (seed " + seed + ") input " + Arrays.toString(input), t);
      }
    }
  }

  private static byte[] input(SplittableRandom random) {
    return switch (random.nextInt(4)) {
      case 0 -> randomBytes(random, random.nextInt(64));
      case 1 -> mutate(random, framed(random));
      case 2 -> mutate(random, SEEDS[random.nextInt(SEEDS.length)].clone());
      default -> framed(random);
    };
  }

  private static byte[] randomBytes(SplittableRandom random, int n) {
    byte[] out = new byte[n];
    for (int i = 0; i < n; i++) {
      out[i] = (byte) random.nextInt(256);
    }
    return out;
  }

  private static byte[] framed(SplittableRandom random) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int n = 1 + random.nextInt(4);
    for (int i = 0; i < n; i++) {
      byte[] body =
          random.nextBoolean()
              ? SEEDS[random.nextInt(SEEDS.length)]
              : randomBytes(random, random.nextInt(100));
      out.writeBytes(SpFrameEncoder.frame(body));
    }
    return out.toByteArray();
  }

  private static byte[] mutate(SplittableRandom random, byte[] bytes) {
    if (bytes.length == 0) {
      return bytes;
    }
    switch (random.nextInt(6)) {
      case 0 -> bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
      case 1 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length));
      case 2 -> bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
      case 3 -> {
        // a huge or top-bit length where a prefix may be
        int at = random.nextInt(bytes.length);
        bytes[at] = (byte) (0x80 | random.nextInt(128));
      }
      case 4 -> {
        // a whole length around the limit or an integer boundary, wherever a prefix may be
        if (bytes.length >= SpWire.LENGTH_PREFIX) {
          long length = BOUNDARY_LENGTHS[random.nextInt(BOUNDARY_LENGTHS.length)];
          byte[] prefix = ByteBuffer.allocate(SpWire.LENGTH_PREFIX).putLong(length).array();
          int at = random.nextInt(bytes.length - SpWire.LENGTH_PREFIX + 1);
          System.arraycopy(prefix, 0, bytes, at, prefix.length);
        }
      }
      default -> {
        // the head of this input joined to the tail of a framed seed
        byte[] other = SpFrameEncoder.frame(SEEDS[random.nextInt(SEEDS.length)]);
        int cut = random.nextInt(bytes.length + 1);
        int from = random.nextInt(other.length);
        byte[] spliced = Arrays.copyOf(bytes, cut + other.length - from);
        System.arraycopy(other, from, spliced, cut, other.length - from);
        bytes = spliced;
      }
    }
    return bytes;
  }

  private static void decodeStream(byte[] input, SplittableRandom random) {
    SpFrameDecoder decoder = new SpFrameDecoder(LIMIT);
    try {
      for (int at = 0; at < input.length; ) {
        int n = Math.min(input.length - at, 1 + random.nextInt(16));
        decoder.feed(
            ByteBuffer.wrap(input, at, n),
            message -> {
              assertTrue(message.length <= LIMIT, "message over the limit");
              decodeMessage(message);
            });
        at += n;
      }
    } catch (SpProtocolException expected) {
      // a protocol error is the only acceptable failure
    }
  }

  private static void decodeMessage(byte[] message) {
    try {
      BridgeMessage.decode(message);
    } catch (EnvelopeException expected) {
      // malformed envelope
    }
    try {
      PushedEvent.parse(message);
    } catch (EnvelopeException expected) {
      // malformed pushed event
    }
  }
}
