package dev.crier.node.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The key under which a token's answer is cached: its SHA-256, so that a cache (or a heap dump of
 * it) never holds a token that could be replayed.
 */
final class TokenDigest {
  private TokenDigest() {}

  /** The SHA-256 of the token's UTF-8 bytes, Base64. */
  static String of(String token) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
