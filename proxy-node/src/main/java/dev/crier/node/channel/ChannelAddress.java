package dev.crier.node.channel;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One of a channel's two addresses, which are its credentials: the channel's id (128 random bits)
 * followed by a secret of its own (128 more), both URL-safe base64. The producer's and the
 * consumer's secrets are drawn independently, so neither address tells anything of the other's
 * secret; the channel keeps only their SHA-256 digests.
 *
 * @param channelId the channel's id, the first 22 characters: its sharding entity id
 * @param secretDigest the digest of the secret, what the channel compares
 */
public record ChannelAddress(String channelId, String secretDigest) {
  private static final int ID_BYTES = 16;
  private static final int SECRET_BYTES = 16;
  private static final int ID_CHARS = 22;

  /** The length of an address: 2 × 22 characters of unpadded base64url. */
  public static final int LENGTH = 44;

  private static final Pattern FORM = Pattern.compile("[A-Za-z0-9_-]{" + LENGTH + "}");
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A new channel's two addresses and what the channel keeps of them. */
  public record Minted(
      String channelId,
      String producerAddress,
      String consumerAddress,
      String producerDigest,
      String consumerDigest) {}

  /** Two fresh addresses of a new channel. */
  public static Minted mint() {
    String id = random(ID_BYTES);
    String producer = random(SECRET_BYTES);
    String consumer = random(SECRET_BYTES);
    return new Minted(id, id + producer, id + consumer, digest(producer), digest(consumer));
  }

  /** The address, or empty when the text cannot be one (a 400 rather than a 404). */
  public static Optional<ChannelAddress> parse(String text) {
    if (text == null || !FORM.matcher(text).matches()) {
      return Optional.empty();
    }
    return Optional.of(
        new ChannelAddress(text.substring(0, ID_CHARS), digest(text.substring(ID_CHARS))));
  }

  /** Whether this address's secret is the one with {@code digest}; in constant time. */
  boolean opens(String digest) {
    return digest != null
        && MessageDigest.isEqual(
            secretDigest.getBytes(StandardCharsets.US_ASCII),
            digest.getBytes(StandardCharsets.US_ASCII));
  }

  private static String random(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return ENCODER.encodeToString(b);
  }

  private static String digest(String secret) {
    try {
      return ENCODER.encodeToString(
          MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
