package dev.crier.node.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jose.jwk.JWK;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * JWTs the {@link JwtVerifier} has verified, by {@link TokenDigest} (never the token itself), with
 * what they grant, at most {@code max-entries}. An entry is answered only while {@code now <
 * validUntil} by the verifier's own clock, the instant at which a fresh check would refuse the
 * token as expired; Caffeine drops it then too, so it costs no memory after. Only successes are put
 * here. Revocation is not this class's business: the {@link Authenticator} checks it on every
 * request, above the verifier. Thread-safe.
 */
final class VerifiedTokens {

  /**
   * One verified token.
   *
   * @param grants what it grants
   * @param jwksKey the key of the JWK set that verified it, or null for a configured key (which
   *     cannot go away while the node runs); the verifier answers from the entry only while the set
   *     still holds this key
   * @param validUntil epoch ms: {@code exp} plus the leeway, from when the token is expired
   */
  record Verified(Grants grants, JWK jwksKey, long validUntil) {}

  private final Cache<String, Verified> cache;
  private final Clock clock;

  /** {@code maxEntries} 0 keeps nothing. */
  VerifiedTokens(long maxEntries, Clock clock) {
    this.clock = clock;
    this.cache =
        maxEntries == 0
            ? null
            : Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .expireAfter(
                    new Expiry<String, Verified>() {
                      @Override
                      public long expireAfterCreate(String digest, Verified v, long now) {
                        return untilInvalid(v);
                      }

                      @Override
                      public long expireAfterUpdate(
                          String digest, Verified v, long now, long currentDuration) {
                        return untilInvalid(v);
                      }

                      @Override
                      public long expireAfterRead(
                          String digest, Verified v, long now, long currentDuration) {
                        return currentDuration;
                      }
                    })
                .build();
  }

  /** Whether anything is kept at all (else callers need not digest their tokens). */
  boolean enabled() {
    return cache != null;
  }

  /** The entry for the token's digest if it is still valid now, else null. */
  Verified get(String digest) {
    if (cache == null) {
      return null;
    }
    Verified v = cache.getIfPresent(digest);
    if (v == null) {
      return null;
    }
    if (clock.millis() >= v.validUntil()) {
      cache.invalidate(digest);
      return null;
    }
    return v;
  }

  void put(String digest, Verified verified) {
    if (cache != null && clock.millis() < verified.validUntil()) {
      cache.put(digest, verified);
    }
  }

  void forget(String digest) {
    if (cache != null) {
      cache.invalidate(digest);
    }
  }

  /** Nanoseconds until the entry is invalid (saturated: an exp in year 9999 does not overflow). */
  private long untilInvalid(Verified v) {
    return TimeUnit.MILLISECONDS.toNanos(Math.max(0, v.validUntil() - clock.millis()));
  }
}
