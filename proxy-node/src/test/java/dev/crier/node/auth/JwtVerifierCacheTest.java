package dev.crier.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.typesafe.config.ConfigFactory;
import dev.crier.node.support.ManualClock;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * The cache of verified tokens, through the real verifier and real signed JWTs: a token is verified
 * once and then answered from the cache exactly while a fresh check would accept it; nothing else
 * gets in by it.
 */
class JwtVerifierCacheTest {
  private static final String SECRET =
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  private static final String OTHER_SECRET =
      "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

  /** Whole seconds, as a JWT's NumericDate carries them. */
  private final ManualClock clock = new ManualClock((System.currentTimeMillis() / 1000) * 1000);

  private final AuthCounters counters = new AuthCounters();

  private static AuthSettings settings(String jwtHocon) {
    return AuthSettings.create(
        ConfigFactory.parseString(
                "crier.auth.jwt { keys = [{ secret = \"" + SECRET + "\" }]\n" + jwtHocon + " }")
            .withFallback(ConfigFactory.defaultReference())
            .resolve());
  }

  private JwtVerifier verifier(String jwtHocon) {
    return JwtVerifier.create(settings(jwtHocon), counters, clock);
  }

  private JWTClaimsSet.Builder claims() {
    return new JWTClaimsSet.Builder()
        .subject("alice")
        .jwtID("j1")
        .expirationTime(new Date(clock.millis() + 60_000))
        .claim("crier.subscribe", List.of("orders/*"));
  }

  private static String sign(JWSAlgorithm alg, JWSSigner signer, JWTClaimsSet claims)
      throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader(alg), claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  private static String hs256(String secret, JWTClaimsSet claims) throws Exception {
    return sign(JWSAlgorithm.HS256, new MACSigner(secret.getBytes(StandardCharsets.UTF_8)), claims);
  }

  private static String reason(JwtVerifier verifier, String token) {
    return assertThrows(AuthException.class, () -> verifier.verify(token)).getMessage();
  }

  @Test
  void theSameTokenTwiceIsVerifiedOnce() throws Exception {
    JwtVerifier v = verifier("");
    String token = hs256(SECRET, claims().build());
    Grants first = v.verify(token);
    assertEquals(0, counters.jwtCacheHits(), "the first time it is verified");
    Grants second =
        v.verify(token, AccessRequest.subscribe(List.of("orders/1")))
            .orElseThrow()
            .toCompletableFuture()
            .join();
    assertEquals(1, counters.jwtCacheHits(), "the second time it comes from the cache");
    assertEquals(first, second);
    assertEquals("alice", second.subject());
    assertTrue(second.maySubscribe("orders/1"));
  }

  @Test
  void aCachedTokenIsRefusedFromItsExpPlusTheLeewayAsTheVerifierAppliesIt() throws Exception {
    // The claims check takes the leeway in whole seconds: 10.5 s is 10 s, for the cache too.
    JwtVerifier v = verifier("leeway = 10500ms");
    long exp = clock.millis() + 60_000;
    String token = hs256(SECRET, claims().expirationTime(new Date(exp)).build());
    v.verify(token);

    clock.set(exp + 10_000 - 1);
    v.verify(token);
    assertEquals(1, counters.jwtCacheHits(), "within exp plus leeway it is answered from cache");

    clock.set(exp + 10_000);
    assertEquals("token expired", reason(v, token));
    assertEquals(1, counters.jwtCacheHits(), "not answered from the cache at exp plus leeway");
    assertEquals("token expired", reason(v, token), "nor kept as an answer");
  }

  @Test
  void aTokenWhoseNbfIsAheadIsNotCachedUntilItHasPassed() throws Exception {
    JwtVerifier v = verifier("leeway = 30s");
    long nbf = clock.millis() + 5_000;
    String token = hs256(SECRET, claims().notBeforeTime(new Date(nbf)).build());
    v.verify(token);
    v.verify(token);
    assertEquals(0, counters.jwtCacheHits(), "accepted within the leeway, verified each time");

    clock.set(nbf);
    v.verify(token);
    v.verify(token);
    assertEquals(1, counters.jwtCacheHits(), "cached once its nbf has come");
  }

  @Test
  void aRevokedTokenIsRefusedAtOnceThoughItsVerificationIsCached() throws Exception {
    AuthSettings settings = settings("");
    RevokedTokens revoked = new RevokedTokens();
    Authenticator authenticator =
        new Authenticator(
            List.of(JwtVerifier.create(settings, counters, clock)), settings, revoked, counters);
    Optional<String> token = Optional.of(hs256(SECRET, claims().build()));
    AccessRequest request = AccessRequest.subscribe(List.of("orders/1"));
    authenticator.authenticate(token, request).toCompletableFuture().join();
    authenticator.authenticate(token, request).toCompletableFuture().join();
    assertEquals(1, counters.jwtCacheHits());

    revoked.replace(Map.of("j1", clock.millis() + 60_000));
    CompletionException refused =
        assertThrows(
            CompletionException.class,
            () -> authenticator.authenticate(token, request).toCompletableFuture().join());
    assertEquals("token revoked", refused.getCause().getMessage());
    assertEquals(2, counters.jwtCacheHits(), "the cache answered, and revocation still refused");
    assertEquals(
        1L, counters.verifications().get(new AuthCounters.Outcome(AuthSettings.JWT, "revoked")));
  }

  @Test
  void anotherTokenWithTheSameClaimsIsAMiss() throws Exception {
    ECKey key = new ECKeyGenerator(Curve.P_256).generate();
    JwtVerifier v =
        JwtVerifier.create(
            AuthSettings.create(
                ConfigFactory.parseString(
                        "crier.auth.jwt.keys = [{ jwk = \"\"\""
                            + key.toPublicJWK().toJSONString()
                            + "\"\"\" }]")
                    .withFallback(ConfigFactory.defaultReference())
                    .resolve()),
            counters,
            clock);
    JWTClaimsSet same = claims().build();
    // ECDSA signatures are randomised: the same claims signed twice are two different tokens.
    String one = sign(JWSAlgorithm.ES256, new ECDSASigner(key), same);
    String two = sign(JWSAlgorithm.ES256, new ECDSASigner(key), same);
    assertTrue(!one.equals(two));
    v.verify(one);
    v.verify(one);
    assertEquals(1, counters.jwtCacheHits());
    v.verify(two);
    assertEquals(1, counters.jwtCacheHits(), "a different token is verified, claims or not");
    v.verify(two);
    assertEquals(2, counters.jwtCacheHits());
  }

  @Test
  void aBadSignatureIsRefusedThoughAGoodTokenWithTheSameClaimsIsCached() throws Exception {
    JwtVerifier v = verifier("");
    JWTClaimsSet same = claims().build();
    String good = hs256(SECRET, same);
    v.verify(good);
    v.verify(good);
    assertEquals(1, counters.jwtCacheHits(), "the good token is cached");

    String signedByAnother = hs256(OTHER_SECRET, same);
    String unsigned = good.substring(0, good.lastIndexOf('.') + 1);
    String signature = good.substring(good.lastIndexOf('.') + 1);
    String tampered =
        good.substring(0, good.lastIndexOf('.') + 1)
            + (signature.charAt(0) == 'A' ? 'B' : 'A')
            + signature.substring(1);
    for (String forged : List.of(signedByAnother, tampered)) {
      assertEquals("invalid signature", reason(v, forged), forged);
    }
    assertEquals("malformed token", reason(v, unsigned), "the good token without its signature");
    assertEquals(1, counters.jwtCacheHits(), "no forgery was answered from the cache");
  }

  @Test
  void maxEntriesZeroTurnsTheCacheOff() throws Exception {
    JwtVerifier v = verifier("cache.max-entries = 0");
    String token = hs256(SECRET, claims().build());
    for (int i = 0; i < 3; i++) {
      assertEquals("alice", v.verify(token).subject());
    }
    assertEquals(0, counters.jwtCacheHits());
    IllegalArgumentException negative =
        assertThrows(IllegalArgumentException.class, () -> settings("cache.max-entries = -1"));
    assertTrue(negative.getMessage().startsWith("crier.auth.jwt.cache.max-entries"));
  }
}
