package dev.crier.node.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies JWTs locally against configured keys and reads Crier's claims from them.
 *
 * <p>Each key verifies only the algorithms of its own type (HMAC secrets HS*, RSA keys RS* and PS*,
 * EC keys the ES* of their curve, Ed25519 keys EdDSA): a token signed with HMAC using a public key
 * as the secret is never checked against the public key (algorithm confusion), and unsigned ({@code
 * alg: none}) or encrypted tokens are refused outright. Thread-safe.
 */
public final class JwtVerifier {
  static final String SUBSCRIBE_CLAIM = "crier.subscribe";
  static final String PUBLISH_CLAIM = "crier.publish";
  static final String ADMIN_CLAIM = "crier.admin";
  static final String TENANT_CLAIM = "crier.tenant";
  static final String NESTED_CLAIM = "crier";

  private record KeyVerifier(String kid, Set<JWSAlgorithm> algorithms, JWSVerifier verifier) {}

  private final List<KeyVerifier> keys;
  private final DefaultJWTClaimsVerifier<com.nimbusds.jose.proc.SecurityContext> claimsVerifier;

  private JwtVerifier(
      List<KeyVerifier> keys,
      DefaultJWTClaimsVerifier<com.nimbusds.jose.proc.SecurityContext> claims) {
    this.keys = keys;
    this.claimsVerifier = claims;
  }

  public static JwtVerifier create(AuthSettings settings) {
    List<KeyVerifier> keys = new ArrayList<>();
    for (JWK jwk : settings.keys()) {
      keys.add(verifier(jwk));
    }
    if (settings.devMode()) {
      keys.add(
          verifier(
              new OctetSequenceKey.Builder(settings.devSecret().getBytes(StandardCharsets.UTF_8))
                  .keyID(AuthSettings.DEV_KEY_ID)
                  .build()));
    }
    JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
    if (!settings.issuer().isEmpty()) {
      exact.issuer(settings.issuer());
    }
    DefaultJWTClaimsVerifier<com.nimbusds.jose.proc.SecurityContext> claims =
        new DefaultJWTClaimsVerifier<>(
            settings.audience().isEmpty() ? null : settings.audience(),
            exact.build(),
            Set.of("exp"));
    claims.setMaxClockSkew((int) Math.min(Integer.MAX_VALUE, settings.leeway().toSeconds()));
    return new JwtVerifier(List.copyOf(keys), claims);
  }

  private static KeyVerifier verifier(JWK jwk) {
    try {
      if (jwk instanceof OctetSequenceKey oct) {
        return new KeyVerifier(
            oct.getKeyID(),
            Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512),
            new MACVerifier(oct));
      }
      if (jwk instanceof RSAKey rsa) {
        return new KeyVerifier(
            rsa.getKeyID(),
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
        return new KeyVerifier(ec.getKeyID(), algorithms, new ECDSAVerifier(ec));
      }
      if (jwk instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
        return new KeyVerifier(
            okp.getKeyID(),
            Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519),
            new Ed25519Verifier(okp));
      }
    } catch (JOSEException e) {
      throw new IllegalArgumentException(
          "unusable key " + jwk.getKeyID() + ": " + e.getMessage(), e);
    }
    throw new IllegalArgumentException("unsupported key type " + jwk.getKeyType());
  }

  /** Verifies the token's signature and claims; throws {@link AuthException} saying why not. */
  public Grants verify(String token) {
    SignedJWT jwt = signed(token);
    JWSHeader header = jwt.getHeader();
    boolean verified = false;
    boolean candidate = false;
    for (KeyVerifier key : keys) {
      if (!key.algorithms().contains(header.getAlgorithm())
          || (header.getKeyID() != null
              && key.kid() != null
              && !header.getKeyID().equals(key.kid()))) {
        continue;
      }
      candidate = true;
      try {
        if (jwt.verify(key.verifier())) {
          verified = true;
          break;
        }
      } catch (JOSEException | IllegalStateException e) {
        throw new AuthException("invalid signature");
      }
    }
    if (!candidate) {
      throw new AuthException("no key for algorithm " + header.getAlgorithm().getName());
    }
    if (!verified) {
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
    return grants(claims);
  }

  private static SignedJWT signed(String token) {
    JWT jwt;
    try {
      jwt = JWTParser.parse(token);
    } catch (ParseException e) {
      throw new AuthException("malformed token");
    }
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
