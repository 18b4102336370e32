package dev.crier.node.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Verifies JWTs against configured keys and, when a JWK Set URL is configured, the keys fetched
 * from it ({@link JwtKeys}), checks their registered claims ({@link RegisteredClaims}) and reads
 * Crier's claims from them ({@link CrierClaims}).
 *
 * <p>Each key verifies only the algorithms of its own type ({@link JwtKey}), and unsigned ({@code
 * alg: none}) or encrypted tokens are refused outright. A token that is not a JWT, or has no key
 * for its algorithm and {@code kid}, is left to the next verifier.
 *
 * <p>A token that verified is remembered in {@link VerifiedTokens} with its grants and answered
 * from there, its signature not checked again, exactly while a fresh check would accept it: until
 * its {@code exp} plus the leeway, and, for a key of the JWK set, while the set still holds that
 * key (looked up as a fresh check would, so a key removed from the set stops its tokens as soon as
 * the node sees the new set). A token whose {@code nbf} is still ahead is checked each time until
 * it is not. Thread-safe.
 */
public final class JwtVerifier implements TokenVerifier {
  private final JwtKeys keys;
  private final RegisteredClaims claims;
  private final VerifiedTokens verified;
  private final AuthCounters counters;
  private final Clock clock;

  private JwtVerifier(
      JwtKeys keys,
      RegisteredClaims claims,
      VerifiedTokens verified,
      AuthCounters counters,
      Clock clock) {
    this.keys = keys;
    this.claims = claims;
    this.verified = verified;
    this.counters = counters;
    this.clock = clock;
  }

  /** A verifier whose cache hits count nowhere (for tools and tests). */
  public static JwtVerifier create(AuthSettings settings) {
    return create(settings, new AuthCounters());
  }

  public static JwtVerifier create(AuthSettings settings, AuthCounters counters) {
    return create(settings, counters, Clock.systemUTC());
  }

  /**
   * With the clock that both the {@code exp}/{@code nbf} checks and the cache of verified tokens
   * read, so that the two can never disagree.
   */
  static JwtVerifier create(AuthSettings settings, AuthCounters counters, Clock clock) {
    return new JwtVerifier(
        JwtKeys.create(settings),
        RegisteredClaims.create(settings, clock),
        new VerifiedTokens(settings.jwtCacheMaxEntries(), clock),
        counters,
        clock);
  }

  @Override
  public String name() {
    return AuthSettings.JWT;
  }

  @Override
  public Optional<CompletionStage<Grants>> verify(String token, AccessRequest request) {
    String digest = verified.enabled() ? TokenDigest.of(token) : null;
    Grants cached = cached(digest, token);
    if (cached != null) {
      return Optional.of(CompletableFuture.completedFuture(cached));
    }
    JWT jwt = parse(token);
    if (jwt == null) {
      return Optional.empty();
    }
    SignedJWT signed = signed(jwt);
    List<JwtKey> candidates = keys.candidates(signed.getHeader());
    if (candidates.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(CompletableFuture.completedFuture(check(digest, signed, candidates)));
  }

  /**
   * Verifies the token's signature and claims; throws {@link AuthException} saying why not, or
   * {@link AuthUnavailableException} when the JWK set cannot be fetched.
   */
  public Grants verify(String token) {
    String digest = verified.enabled() ? TokenDigest.of(token) : null;
    Grants cached = cached(digest, token);
    if (cached != null) {
      return cached;
    }
    JWT jwt = parse(token);
    if (jwt == null) {
      throw new AuthException("malformed token");
    }
    SignedJWT signed = signed(jwt);
    List<JwtKey> candidates = keys.candidates(signed.getHeader());
    if (candidates.isEmpty()) {
      throw new AuthException("no key for algorithm " + signed.getHeader().getAlgorithm());
    }
    return check(digest, signed, candidates);
  }

  /**
   * The grants of the token with this digest (null: no cache) if it verified before and a fresh
   * check would still accept it; else null. Throws {@link AuthUnavailableException} where a fresh
   * check would: when the JWK set that must still hold its key cannot be had.
   */
  private Grants cached(String digest, String token) {
    if (digest == null) {
      return null;
    }
    VerifiedTokens.Verified hit = verified.get(digest);
    if (hit == null) {
      return null;
    }
    if (hit.jwksKey() != null && !stillPublished(hit.jwksKey(), token)) {
      verified.forget(digest);
      return null;
    }
    counters.jwtCacheHit();
    return hit.grants();
  }

  /**
   * Whether the JWK set still holds the key that verified the token, looked up from the token's
   * header exactly as a fresh check looks its keys up (the set as cached and refreshed, refetched
   * for a missing {@code kid} at most once per {@code min-refetch-interval}).
   */
  private boolean stillPublished(JWK key, String token) {
    int dot = token.indexOf('.');
    JWSHeader header;
    try {
      header = JWSHeader.parse(new Base64URL(token.substring(0, Math.max(dot, 0))));
    } catch (ParseException e) {
      return false;
    }
    for (JwtKey candidate : keys.candidates(header)) {
      if (key.equals(candidate.jwk())) {
        return true;
      }
    }
    return false;
  }

  /** Checks signature and claims; keeps the grants under the digest (null: no cache) if good. */
  private Grants check(String digest, SignedJWT jwt, List<JwtKey> candidates) {
    JwtKey signer = null;
    for (JwtKey key : candidates) {
      try {
        if (jwt.verify(key.verifier())) {
          signer = key;
          break;
        }
      } catch (JOSEException | IllegalStateException e) {
        throw new AuthException("invalid signature");
      }
    }
    if (signer == null) {
      throw new AuthException("invalid signature");
    }
    JWTClaimsSet checked = claims.check(jwt);
    Grants grants = CrierClaims.grants(checked);
    if (digest != null) {
      remember(digest, grants, checked, signer);
    }
    return grants;
  }

  /**
   * Keeps a verified token until it expires, {@code exp} plus the leeway: the first instant at
   * which the claims check refuses it. Not one whose {@code nbf} is still ahead by the clock
   * (accepted within the leeway, it is checked on each request until its {@code nbf} has passed).
   */
  private void remember(String digest, Grants grants, JWTClaimsSet checked, JwtKey signer) {
    Date notBefore = checked.getNotBeforeTime();
    if (notBefore != null && notBefore.getTime() > clock.millis()) {
      return;
    }
    verified.put(
        digest,
        new VerifiedTokens.Verified(
            grants, signer.fetched() ? signer.jwk() : null, claims.validUntil(checked)));
  }

  /** The parsed token, or null when it is not a JWT at all. */
  private static JWT parse(String token) {
    try {
      return JWTParser.parse(token);
    } catch (ParseException e) {
      return null;
    }
  }

  private static SignedJWT signed(JWT jwt) {
    if (jwt instanceof SignedJWT signed) {
      return signed;
    }
    throw new AuthException(
        jwt instanceof PlainJWT
            ? "unsigned tokens (alg none) are not accepted"
            : "encrypted tokens are not accepted");
  }
}
