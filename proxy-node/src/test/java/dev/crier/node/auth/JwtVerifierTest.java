package dev.crier.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.DirectEncrypter;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.impl.ECDSA;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Local JWT verification with real keys of every supported type. */
class JwtVerifierTest {
  private static final String SECRET =
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  private static AuthSettings settings(String hocon) {
    return AuthSettings.create(
        ConfigFactory.parseString(hocon).withFallback(ConfigFactory.defaultReference()).resolve());
  }

  private static JwtVerifier verifier(String keysHocon) {
    return JwtVerifier.create(settings("crier.auth.jwt.keys = [" + keysHocon + "]"));
  }

  private static String pem(PublicKey key) {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(key.getEncoded())
        + "\n-----END PUBLIC KEY-----";
  }

  private static JWTClaimsSet.Builder claims() {
    return new JWTClaimsSet.Builder()
        .subject("alice")
        .jwtID("j1")
        .expirationTime(new Date(System.currentTimeMillis() + 60_000))
        .claim("crier.subscribe", List.of("orders/*", "news"))
        .claim("crier.publish", List.of("orders/eu"));
  }

  private static String sign(JWSAlgorithm alg, String kid, JWSSigner signer, JWTClaimsSet claims)
      throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).build(), claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  /** Signed with the test secret, HS256, no key id. */
  private static String hs256(JWTClaimsSet claims) throws Exception {
    return sign(
        JWSAlgorithm.HS256, null, new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)), claims);
  }

  private static String reason(JwtVerifier verifier, String token) {
    return assertThrows(AuthException.class, () -> verifier.verify(token)).getMessage();
  }

  @Test
  void hmacSecretsVerifyHs256Hs384Hs512() throws Exception {
    JwtVerifier v = verifier("{ secret = \"" + SECRET + "\" }");
    MACSigner signer = new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8));
    for (JWSAlgorithm alg : List.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512)) {
      Grants g = v.verify(sign(alg, null, signer, claims().build()));
      assertEquals("alice", g.subject());
      assertEquals("j1", g.tokenId());
    }
  }

  @Test
  void grantsFollowThePatterns() throws Exception {
    JwtVerifier v = verifier("{ secret = \"" + SECRET + "\" }");
    Grants g = v.verify(hs256(claims().build()));
    assertTrue(g.maySubscribe("orders/1"));
    assertTrue(g.maySubscribe("news"));
    assertFalse(g.maySubscribe("news/1"));
    assertTrue(g.mayPublish("orders/eu"));
    assertFalse(g.mayPublish("orders/us"));
    assertFalse(g.admin());
  }

  @Test
  void nestedCrierClaimIsReadToo() throws Exception {
    JwtVerifier v = verifier("{ secret = \"" + SECRET + "\" }");
    JWTClaimsSet nested =
        new JWTClaimsSet.Builder()
            .expirationTime(new Date(System.currentTimeMillis() + 60_000))
            .claim("crier", Map.of("subscribe", List.of("*"), "admin", true))
            .build();
    Grants g = v.verify(hs256(nested));
    assertTrue(g.maySubscribe("anything"));
    assertFalse(g.mayPublish("anything"));
    assertTrue(g.admin());
  }

  @Test
  void topLevelClaimsWinOverTheNestedOnesClaimByClaim() throws Exception {
    JwtVerifier v = verifier("{ secret = \"" + SECRET + "\" }");
    JWTClaimsSet both =
        new JWTClaimsSet.Builder()
            .expirationTime(new Date(System.currentTimeMillis() + 60_000))
            .claim("crier.subscribe", List.of("top/*"))
            .claim("crier.publish", List.of("top/*"))
            .claim("crier.admin", false)
            .claim("crier.tenant", "top")
            .claim(
                "crier",
                Map.of(
                    "subscribe",
                    List.of("nested/*"),
                    "publish",
                    List.of("nested/*"),
                    "admin",
                    true,
                    "tenant",
                    "nested"))
            .build();
    Grants g = v.verify(hs256(both));
    assertEquals(
        List.of(true, false, true, false, false, "top"),
        List.of(
            g.maySubscribe("top/1"),
            g.maySubscribe("nested/1"),
            g.mayPublish("top/1"),
            g.mayPublish("nested/1"),
            g.admin(),
            g.tenant()));
  }

  @Test
  void malformedCrierClaimsAreRefused() throws Exception {
    JwtVerifier v = verifier("{ secret = \"" + SECRET + "\" }");
    MACSigner signer = new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8));
    assertTrue(
        reason(
                v,
                sign(
                    JWSAlgorithm.HS256,
                    null,
                    signer,
                    claims().claim("crier.subscribe", "*").build()))
            .startsWith("malformed crier claims"));
    assertTrue(
        reason(
                v,
                sign(
                    JWSAlgorithm.HS256,
                    null,
                    signer,
                    claims().claim("crier.publish", List.of("bad topic")).build()))
            .startsWith("malformed crier claims"));
  }

  @Test
  void rsaKeysFromPemAndJwkVerifyRsAndPs() throws Exception {
    RSAKey rsa = new RSAKeyGenerator(2048).generate();
    RSASSASigner signer = new RSASSASigner(rsa);
    JwtVerifier fromPem =
        verifier("{ public-key-pem = \"\"\"" + pem(rsa.toRSAPublicKey()) + "\"\"\" }");
    JwtVerifier fromJwk = verifier("{ jwk = \"\"\"" + rsa.toJSONString() + "\"\"\" }");
    for (JWSAlgorithm alg : List.of(JWSAlgorithm.RS256, JWSAlgorithm.PS256, JWSAlgorithm.RS512)) {
      String token = sign(alg, null, signer, claims().build());
      assertEquals("alice", fromPem.verify(token).subject());
      assertEquals("alice", fromJwk.verify(token).subject());
    }
  }

  @Test
  void ecKeysVerifyOnlyTheAlgorithmOfTheirCurve() throws Exception {
    ECKey p256 = new ECKeyGenerator(Curve.P_256).generate();
    ECKey p384 = new ECKeyGenerator(Curve.P_384).generate();
    JwtVerifier v =
        verifier(
            "{ public-key-pem = \"\"\""
                + pem(p256.toECPublicKey())
                + "\"\"\" }, { jwk = \"\"\""
                + p384.toPublicJWK().toJSONString()
                + "\"\"\" }");
    // The P-256 key's own signature over SHA-384, labelled ES384: a key of the wrong curve for the
    // algorithm is no candidate at all, so a P-256-only node has no key for it.
    SignedJWT wrongCurve = new SignedJWT(new JWSHeader(JWSAlgorithm.ES384), claims().build());
    java.security.Signature es384 = java.security.Signature.getInstance("SHA384withECDSA");
    es384.initSign(p256.toECPrivateKey());
    es384.update(wrongCurve.getSigningInput());
    String token =
        new String(wrongCurve.getSigningInput(), StandardCharsets.US_ASCII)
            + "."
            + Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(ECDSA.transcodeSignatureToConcat(es384.sign(), 64));
    JwtVerifier p256Only =
        verifier("{ public-key-pem = \"\"\"" + pem(p256.toECPublicKey()) + "\"\"\" }");
    assertEquals("no key for algorithm ES384", reason(p256Only, token));
    assertEquals("invalid signature", reason(v, token), "the P-384 key did not sign it");
    assertEquals(
        "alice",
        v.verify(sign(JWSAlgorithm.ES256, null, new ECDSASigner(p256), claims().build()))
            .subject());
    assertEquals(
        "alice",
        v.verify(sign(JWSAlgorithm.ES384, null, new ECDSASigner(p384), claims().build()))
            .subject());
  }

  @Test
  void ed25519KeysFromPemAndJwkVerifyEdDsa() throws Exception {
    OctetKeyPair ed = new OctetKeyPairGenerator(Curve.Ed25519).generate();
    java.security.KeyPairGenerator gen = java.security.KeyPairGenerator.getInstance("Ed25519");
    java.security.KeyPair jdk = gen.generateKeyPair();
    JwtVerifier fromJwk = verifier("{ jwk = \"\"\"" + ed.toPublicJWK().toJSONString() + "\"\"\" }");
    assertEquals(
        "alice",
        fromJwk
            .verify(sign(JWSAlgorithm.EdDSA, null, new Ed25519Signer(ed), claims().build()))
            .subject());
    JwtVerifier fromPem = verifier("{ public-key-pem = \"\"\"" + pem(jdk.getPublic()) + "\"\"\" }");
    // Sign with the JDK's Ed25519 directly: the PEM path must read the same raw key.
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.EdDSA), claims().build());
    java.security.Signature s = java.security.Signature.getInstance("Ed25519");
    s.initSign(jdk.getPrivate());
    s.update(jwt.getSigningInput());
    String token =
        new String(jwt.getSigningInput(), StandardCharsets.US_ASCII)
            + "."
            + Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
    assertEquals("alice", fromPem.verify(token).subject());
    // The PEM key is that key and no other: another Ed25519 key's signature is refused.
    String byAnother =
        sign(
            JWSAlgorithm.EdDSA,
            null,
            new Ed25519Signer(new OctetKeyPairGenerator(Curve.Ed25519).generate()),
            claims().build());
    assertEquals("invalid signature", reason(fromPem, byAnother));
    assertEquals("invalid signature", reason(fromJwk, byAnother));
  }

  @Test
  void keyIdSelectsTheKey() throws Exception {
    String other = "fedcba9876543210fedcba9876543210fedcba9876543210";
    JwtVerifier v =
        verifier(
            "{ secret = \""
                + SECRET
                + "\", kid = \"a\" }, { secret = \""
                + other
                + "\", kid = \"b\" }");
    MACSigner signerB = new MACSigner(other.getBytes(StandardCharsets.UTF_8));
    assertEquals(
        "alice", v.verify(sign(JWSAlgorithm.HS256, "b", signerB, claims().build())).subject());
    assertEquals(
        "invalid signature", reason(v, sign(JWSAlgorithm.HS256, "a", signerB, claims().build())));
    assertTrue(
        reason(v, sign(JWSAlgorithm.HS256, "zz", signerB, claims().build())).startsWith("no key"));
  }

  @Test
  void timeClaimsHonourTheLeeway() throws Exception {
    JwtVerifier v =
        JwtVerifier.create(
            settings("crier.auth.jwt { leeway = 10s, keys = [{ secret = \"" + SECRET + "\" }] }"));
    MACSigner signer = new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8));
    long now = System.currentTimeMillis();
    assertEquals(
        "token expired",
        reason(
            v,
            sign(
                JWSAlgorithm.HS256,
                null,
                signer,
                claims().expirationTime(new Date(now - 60_000)).build())));
    v.verify(
        sign(
            JWSAlgorithm.HS256,
            null,
            signer,
            claims().expirationTime(new Date(now - 5_000)).build()));
    assertEquals(
        "token not yet valid",
        reason(
            v,
            sign(
                JWSAlgorithm.HS256,
                null,
                signer,
                claims().notBeforeTime(new Date(now + 60_000)).build())));
    v.verify(
        sign(
            JWSAlgorithm.HS256,
            null,
            signer,
            claims().notBeforeTime(new Date(now + 5_000)).build()));
    JWTClaimsSet noExp = new JWTClaimsSet.Builder().subject("x").build();
    assertEquals(
        "token has no exp claim", reason(v, sign(JWSAlgorithm.HS256, null, signer, noExp)));
  }

  @Test
  void issuerAndAudienceAreCheckedWhenConfigured() throws Exception {
    JwtVerifier v =
        JwtVerifier.create(
            settings(
                "crier.auth.jwt { issuer = \"https://id.example\", audience = \"crier\", keys = [{ secret = \""
                    + SECRET
                    + "\" }] }"));
    MACSigner signer = new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8));
    v.verify(
        sign(
            JWSAlgorithm.HS256,
            null,
            signer,
            claims().issuer("https://id.example").audience("crier").build()));
    assertEquals(
        "token issuer not accepted",
        reason(
            v,
            sign(
                JWSAlgorithm.HS256,
                null,
                signer,
                claims().issuer("https://evil").audience("crier").build())));
    assertEquals(
        "token audience not accepted",
        reason(
            v,
            sign(
                JWSAlgorithm.HS256,
                null,
                signer,
                claims().issuer("https://id.example").audience("other").build())));
  }

  @Test
  void unsignedEncryptedAndGarbageTokensAreRefused() throws Exception {
    JwtVerifier v = verifier("{ secret = \"" + SECRET + "\" }");
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String none =
        b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8))
            + "."
            + b64.encodeToString(claims().build().toString().getBytes(StandardCharsets.UTF_8))
            + ".";
    assertEquals("unsigned tokens (alg none) are not accepted", reason(v, none));
    EncryptedJWT jwe =
        new EncryptedJWT(
            new JWEHeader(JWEAlgorithm.DIR, EncryptionMethod.A256GCM), claims().build());
    jwe.encrypt(new DirectEncrypter(SECRET.substring(0, 32).getBytes(StandardCharsets.UTF_8)));
    assertEquals("encrypted tokens are not accepted", reason(v, jwe.serialize()));
    assertEquals("malformed token", reason(v, "garbage"));
    assertEquals("malformed token", reason(v, "a.b"));
  }

  @Test
  void hmacTokenSignedWithAPublicKeyIsNeverCheckedAgainstIt() throws Exception {
    RSAKey rsa = new RSAKeyGenerator(2048).generate();
    String pem = pem(rsa.toRSAPublicKey());
    JwtVerifier v = verifier("{ public-key-pem = \"\"\"" + pem + "\"\"\" }");
    for (byte[] secret :
        List.of(pem.getBytes(StandardCharsets.UTF_8), rsa.toRSAPublicKey().getEncoded())) {
      String token = sign(JWSAlgorithm.HS256, null, new MACSigner(secret), claims().build());
      assertTrue(reason(v, token).startsWith("no key for algorithm HS256"));
    }
  }

  @Test
  void configurationErrorsNameTheKey() {
    IllegalArgumentException shortSecret =
        assertThrows(
            IllegalArgumentException.class,
            () -> settings("crier.auth.jwt.keys = [{ secret = \"short\" }]"));
    assertTrue(
        shortSecret.getMessage().contains("crier.auth.jwt.keys[0].secret"),
        shortSecret.getMessage());
    IllegalArgumentException badPem =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                settings(
                    "crier.auth.jwt.keys = [{ secret = \""
                        + SECRET
                        + "\" }, { public-key-pem = \"nope\" }]"));
    assertTrue(badPem.getMessage().contains("crier.auth.jwt.keys[1]"), badPem.getMessage());
    assertThrows(IllegalArgumentException.class, () -> settings("crier.auth.jwt.keys = [{ }]"));
    IllegalArgumentException noKeys =
        assertThrows(IllegalArgumentException.class, () -> settings("crier.dev.enabled = false"));
    assertTrue(noKeys.getMessage().startsWith("no JWT keys configured"));
  }

  @Test
  void devModeIsOnExactlyWhenNoKeysAreConfiguredUnlessSaidOtherwise() throws Exception {
    assertTrue(settings("").devMode());
    assertFalse(settings("crier.auth.jwt.keys = [{ secret = \"" + SECRET + "\" }]").devMode());
    assertTrue(
        settings(
                "crier.dev.enabled = true\ncrier.auth.jwt.keys = [{ secret = \"" + SECRET + "\" }]")
            .devMode());
    AuthSettings shared = settings("crier.dev.secret = \"" + SECRET + "\"");
    assertEquals(SECRET, shared.devSecret());
    assertFalse(settings("").devSecret().equals(settings("").devSecret()), "random per run");
    String token =
        new TokenMinter(SECRET).mint("dev", List.of("*"), List.of(), true, Duration.ofMinutes(1));
    Grants g = JwtVerifier.create(shared).verify(token);
    assertTrue(g.maySubscribe("x"));
    assertFalse(g.mayPublish("x"));
    assertTrue(g.admin());
    assertEquals("dev", g.subject());
  }
}
