package dev.crier.node.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The keys a JWT may be verified with: the configured ones (and the dev key in dev mode) and, when
 * a JWK Set URL is configured and no configured key fits, the keys fetched from it. The JWK set is
 * fetched and cached by Nimbus's JWK source: refreshed ahead of expiry in the background, refetched
 * on an unknown {@code kid} at most once per {@code min-refetch-interval}, and kept while the URL
 * fails for {@code outage-ttl}. Thread-safe.
 */
final class JwtKeys {
  private static final int MAX_JWKS_VERIFIERS = 256;
  private static final int JWKS_SIZE_LIMIT = 512 * 1024;

  private final List<JwtKey> configured;
  private final JWKSource<SecurityContext> jwks;
  private final Cache<JWK, JwtKey> jwksVerifiers =
      Caffeine.newBuilder().maximumSize(MAX_JWKS_VERIFIERS).build();

  private JwtKeys(List<JwtKey> configured, JWKSource<SecurityContext> jwks) {
    this.configured = configured;
    this.jwks = jwks;
  }

  static JwtKeys create(AuthSettings settings) {
    List<JwtKey> keys = new ArrayList<>();
    for (JWK jwk : settings.keys()) {
      keys.add(JwtKey.of(jwk, false));
    }
    if (settings.devMode()) {
      keys.add(
          JwtKey.of(
              new OctetSequenceKey.Builder(settings.devSecret().getBytes(StandardCharsets.UTF_8))
                  .keyID(AuthSettings.DEV_KEY_ID)
                  .build(),
              false));
    }
    return new JwtKeys(List.copyOf(keys), jwkSource(settings.jwks()));
  }

  private static JWKSource<SecurityContext> jwkSource(JwksSettings settings) {
    if (settings == null) {
      return null;
    }
    int timeout = (int) settings.timeout().toMillis();
    return JWKSourceBuilder.<SecurityContext>create(
            settings.url(), new DefaultResourceRetriever(timeout, timeout, JWKS_SIZE_LIMIT))
        .cache(settings.cacheTtl().toMillis(), settings.timeout().toMillis())
        .refreshAheadCache(settings.refreshAhead().toMillis(), true)
        .rateLimited(settings.minRefetchInterval().toMillis())
        .outageTolerant(settings.outageTtl().toMillis())
        .retrying(false)
        .build();
  }

  /**
   * The keys that may have signed a token with this header: its algorithm, and its kid if any.
   * Throws {@link AuthUnavailableException} when the JWK set must be asked and cannot be had.
   */
  List<JwtKey> candidates(JWSHeader header) {
    List<JwtKey> out = new ArrayList<>();
    for (JwtKey key : configured) {
      if (key.algorithms().contains(header.getAlgorithm())
          && (header.getKeyID() == null
              || key.kid() == null
              || header.getKeyID().equals(key.kid()))) {
        out.add(key);
      }
    }
    if (jwks != null && out.isEmpty()) {
      for (JWK jwk : fetched(header)) {
        JwtKey key = jwksVerifiers.get(jwk, fetched -> JwtKey.of(fetched, true));
        if (key.algorithms().contains(header.getAlgorithm())) {
          out.add(key);
        }
      }
    }
    return out;
  }

  private List<JWK> fetched(JWSHeader header) {
    try {
      return jwks.get(new JWKSelector(JWKMatcher.forJWSHeader(header)), null);
    } catch (RateLimitReachedException tooSoon) {
      if (!jwksAtHand()) {
        throw new AuthUnavailableException("the JWK set could not be fetched");
      }
      return List.of();
    } catch (KeySourceException | IllegalArgumentException e) {
      throw new AuthUnavailableException("the JWK set could not be fetched");
    }
  }

  /**
   * Whether a JWK set is at hand without fetching. The refetch limit refuses a fetch in two cases:
   * a kid the set does not hold (keys may have rotated: the token is unknown, 401), or a set that
   * has expired with no outage copy left (the keys cannot be had now, 503). Asking for any key
   * tells them apart: it is answered from a set still held and needs a fetch only without one.
   */
  private boolean jwksAtHand() {
    try {
      return !jwks.get(new JWKSelector(new JWKMatcher.Builder().build()), null).isEmpty();
    } catch (KeySourceException | IllegalArgumentException e) {
      return false;
    }
  }
}
