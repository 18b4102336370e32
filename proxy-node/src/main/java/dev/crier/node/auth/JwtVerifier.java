package dev.crier.node.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import dev.crier.protocol.topic.InvalidTopicException;
import dev.crier.protocol.topic.TopicPattern;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Verifies JWTs against configured keys and, when a JWK Set URL is configured, the keys fetched
 * from it, and reads Crier's claims from them.
 *
 * <p>Each key verifies only the algorithms of its own type (HMAC secrets HS*, RSA keys RS* and PS*,
 * EC keys the ES* of their curve, Ed25519 keys EdDSA): a token signed with HMAC using a public key
 * as the secret is never checked against the public key (algorithm confusion), and unsigned ({@code
 * alg: none}) or encrypted tokens are refused outright. A token that is not a JWT, or has no key
 * for its algorithm and {@code kid}, is left to the next verifier. The JWK set is fetched and
 * cached by Nimbus's JWK source: refreshed ahead of expiry in the background, refetched on an
 * unknown {@code kid} at most once per {@code min-refetch-interval}, and kept while the URL fails
 * for {@code outage-ttl}.
 *
 * <p>A token that verified is remembered in {@link VerifiedTokens} with its grants and answered
 * from there, its signature not checked again, exactly while a fresh check would accept it: until
 * its {@code exp} plus the leeway, and, for a key of the JWK set, while the set still holds that
 * key (looked up as a fresh check would, so a key removed from the set stops its tokens as soon as
 * the node sees the new set). A token whose {@code nbf} is still ahead is checked each time until
 * it is not. Thread-safe.
 */
public final class JwtVerifier implements TokenVerifier {
  static final String SUBSCRIBE_CLAIM = "crier.subscribe";
  static final String PUBLISH_CLAIM = "crier.publish";
  static final String ADMIN_CLAIM = "crier.admin";
  static final String TENANT_CLAIM = "crier.tenant";
  static final String NESTED_CLAIM = "crier";
  private static final int MAX_JWKS_VERIFIERS = 256;
  private static final int JWKS_SIZE_LIMIT = 512 * 1024;

  /**
   * A key and the algorithms it verifies.
   *
   * @param fetched whether it is a key of the JWK set (else a configured one)
   */
  private record KeyVerifier(
      JWK jwk, boolean fetched, Set<JWSAlgorithm> algorithms, JWSVerifier verifier) {
    String kid() {
      return jwk.getKeyID();
    }
  }

  private final List<KeyVerifier> keys;
  private final JWKSource<SecurityContext> jwks;
  private final Cache<JWK, KeyVerifier> jwksVerifiers =
      Caffeine.newBuilder().maximumSize(MAX_JWKS_VERIFIERS).build();
  private final DefaultJWTClaimsVerifier<SecurityContext> claimsVerifier;

  /** The leeway as the claims verifier applies it: whole seconds. */
  private final long leewayMillis;

  private final VerifiedTokens verified;
  private final AuthCounters counters;
  private final Clock clock;

  private JwtVerifier(
      List<KeyVerifier> keys,
      JWKSource<SecurityContext> jwks,
      DefaultJWTClaimsVerifier<SecurityContext> claims,
      VerifiedTokens verified,
      AuthCounters counters,
      Clock clock) {
    this.keys = keys;
    this.jwks = jwks;
    this.claimsVerifier = claims;
    this.leewayMillis = claims.getMaxClockSkew() * 1000L;
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
    List<KeyVerifier> keys = new ArrayList<>();
    for (JWK jwk : settings.keys()) {
      keys.add(verifier(jwk, false));
    }
    if (settings.devMode()) {
      keys.add(
          verifier(
              new OctetSequenceKey.Builder(settings.devSecret().getBytes(StandardCharsets.UTF_8))
                  .keyID(AuthSettings.DEV_KEY_ID)
                  .build(),
              false));
    }
    JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
    if (!settings.issuer().isEmpty()) {
      exact.issuer(settings.issuer());
    }
    DefaultJWTClaimsVerifier<SecurityContext> claims =
        new DefaultJWTClaimsVerifier<>(
            settings.audience().isEmpty() ? null : settings.audience(),
            exact.build(),
            Set.of("exp")) {
          @Override
          protected Date currentTime() {
            return new Date(clock.millis());
          }
        };
    claims.setMaxClockSkew((int) Math.min(Integer.MAX_VALUE, settings.leeway().toSeconds()));
    return new JwtVerifier(
        List.copyOf(keys),
        jwkSource(settings.jwks()),
        claims,
        new VerifiedTokens(settings.jwtCacheMaxEntries(), clock),
        counters,
        clock);
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

  private static KeyVerifier verifier(JWK jwk, boolean fetched) {
    try {
      if (jwk instanceof OctetSequenceKey oct) {
        return new KeyVerifier(
            oct,
            fetched,
            Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512),
            new MACVerifier(oct));
      }
      if (jwk instanceof RSAKey rsa) {
        return new KeyVerifier(
            rsa,
            fetched,
            Set.of(
                JWSAlgorithm.RS256,
                JWSAlgorithm.RS384,
                JWSAlgorithm.RS512,
                JWSAlgorithm.PS256,
                JWSAlgorithm.PS384,
                JWSAlgorithm.PS512),
            new RSASSAVerifier(rsa));
      }
      if (jwk instanceof ECKey ec) {
        Set<JWSAlgorithm> algorithms = new HashSet<>();
        for (JWSAlgorithm alg :
            List.of(JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512)) {
          if (Curve.forJWSAlgorithm(alg).contains(ec.getCurve())) {
            algorithms.add(alg);
          }
        }
        return new KeyVerifier(ec, fetched, algorithms, new ECDSAVerifier(ec));
      }
      if (jwk instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
        return new KeyVerifier(
            okp,
            fetched,
            Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519),
            new Ed25519Verifier(okp));
      }
    } catch (JOSEException e) {
      throw new IllegalArgumentException(
          "unusable key " + jwk.getKeyID() + ": " + e.getMessage(), e);
    }
    throw new IllegalArgumentException("unsupported key type " + jwk.getKeyType());
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
    List<KeyVerifier> candidates = candidates(signed.getHeader());
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
    List<KeyVerifier> candidates = candidates(signed.getHeader());
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
    for (KeyVerifier candidate : candidates(header)) {
      if (key.equals(candidate.jwk())) {
        return true;
      }
    }
    return false;
  }

  /** Checks signature and claims; keeps the grants under the digest (null: no cache) if good. */
  private Grants check(String digest, SignedJWT jwt, List<KeyVerifier> candidates) {
    KeyVerifier signer = null;
    for (KeyVerifier key : candidates) {
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
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
      claimsVerifier.verify(claims, null);
    } catch (ParseException e) {
      throw new AuthException("malformed token claims");
    } catch (BadJWTException e) {
      throw new AuthException(claimProblem(e.getMessage()));
    }
    Grants grants = grants(claims);
    if (digest != null) {
      remember(digest, grants, claims, signer);
    }
    return grants;
  }

  /**
   * Keeps a verified token until it expires, {@code exp} plus the leeway: the first instant at
   * which the claims verifier refuses it. Not one whose {@code nbf} is still ahead by the clock
   * (accepted within the leeway, it is checked on each request until its {@code nbf} has passed).
   */
  private void remember(String digest, Grants grants, JWTClaimsSet claims, KeyVerifier signer) {
    Date notBefore = claims.getNotBeforeTime();
    if (notBefore != null && notBefore.getTime() > clock.millis()) {
      return;
    }
    long exp = claims.getExpirationTime().getTime();
    long validUntil = exp > Long.MAX_VALUE - leewayMillis ? Long.MAX_VALUE : exp + leewayMillis;
    verified.put(
        digest,
        new VerifiedTokens.Verified(grants, signer.fetched() ? signer.jwk() : null, validUntil));
  }

  /** The keys that may have signed a token with this header: its algorithm, and its kid if any. */
  private List<KeyVerifier> candidates(JWSHeader header) {
    List<KeyVerifier> out = new ArrayList<>();
    for (KeyVerifier key : keys) {
      if (key.algorithms().contains(header.getAlgorithm())
          && (header.getKeyID() == null
              || key.kid() == null
              || header.getKeyID().equals(key.kid()))) {
        out.add(key);
      }
    }
    if (jwks != null && out.isEmpty()) {
      for (JWK jwk : fetched(header)) {
        KeyVerifier key = jwksVerifiers.get(jwk, fetched -> verifier(fetched, true));
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
        jwt instanceof com.nimbusds.jwt.PlainJWT
            ? "unsigned tokens (alg none) are not accepted"
            : "encrypted tokens are not accepted");
  }

  private static String claimProblem(String nimbusMessage) {
    String m = nimbusMessage == null ? "" : nimbusMessage.toLowerCase(java.util.Locale.ROOT);
    if (m.contains("expired")) {
      return "token expired";
    }
    if (m.contains("before use time")) {
      return "token not yet valid";
    }
    if (m.contains("missing required claims")) {
      return "token has no exp claim";
    }
    if (m.contains("aud")) {
      return "token audience not accepted";
    }
    if (m.contains("iss claim")) {
      return "token issuer not accepted";
    }
    return "token claims rejected";
  }

  private static Grants grants(JWTClaimsSet claims) {
    Object subscribe = claims.getClaim(SUBSCRIBE_CLAIM);
    Object publish = claims.getClaim(PUBLISH_CLAIM);
    Object admin = claims.getClaim(ADMIN_CLAIM);
    Object tenant = claims.getClaim(TENANT_CLAIM);
    if (claims.getClaim(NESTED_CLAIM) instanceof Map<?, ?> nested) {
      subscribe = subscribe != null ? subscribe : nested.get("subscribe");
      publish = publish != null ? publish : nested.get("publish");
      admin = admin != null ? admin : nested.get("admin");
      tenant = tenant != null ? tenant : nested.get("tenant");
    }
    if (admin != null && !(admin instanceof Boolean)) {
      throw new AuthException("malformed crier claims: admin must be a boolean");
    }
    if (tenant != null && !(tenant instanceof String)) {
      throw new AuthException("malformed crier claims: tenant must be a string");
    }
    return new Grants(
        claims.getSubject(),
        claims.getJWTID(),
        claims.getExpirationTime().toInstant(),
        patterns(subscribe, "subscribe"),
        patterns(publish, "publish"),
        Boolean.TRUE.equals(admin),
        (String) tenant);
  }

  private static List<TopicPattern> patterns(Object claim, String name) {
    if (claim == null) {
      return List.of();
    }
    if (!(claim instanceof List<?> list)) {
      throw new AuthException("malformed crier claims: " + name + " must be an array");
    }
    List<TopicPattern> out = new ArrayList<>(list.size());
    for (Object item : list) {
      if (!(item instanceof String s)) {
        throw new AuthException("malformed crier claims: " + name + " holds a non-string");
      }
      try {
        out.add(TopicPattern.parse(s));
      } catch (InvalidTopicException e) {
        throw new AuthException("malformed crier claims: bad " + name + " pattern");
      }
    }
    return out;
  }
}
