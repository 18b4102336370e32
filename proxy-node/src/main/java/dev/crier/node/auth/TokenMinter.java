package dev.crier.node.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.impl.ECDSA;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/**
 * Mints tokens with Crier's claims: dev-mode tokens, {@code POST /admin/tokens}, tests. Signs with
 * an HMAC secret (HS256), an RSA key (RS256), an EC key (ES256/384/512 by curve) or an Ed25519 key
 * (EdDSA). Thread-safe.
 */
public final class TokenMinter {
  private final JWSSigner signer;
  private final JWSHeader header;

  /** A minted token, its id and expiry (for revoking it later). */
  public record Minted(String token, String tokenId, Instant expiresAt) {}

  public TokenMinter(String secret) {
    this(new OctetSequenceKey.Builder(secret.getBytes(StandardCharsets.UTF_8)).build());
  }

  /** Signs with the key: an HMAC secret, or a private RSA, EC or Ed25519 key. */
  public TokenMinter(JWK key) {
    try {
      JWSAlgorithm algorithm;
      if (key instanceof OctetSequenceKey oct) {
        signer = new MACSigner(oct);
        algorithm = JWSAlgorithm.HS256;
      } else if (key instanceof RSAKey rsa) {
        signer = new RSASSASigner(rsa);
        algorithm = JWSAlgorithm.RS256;
      } else if (key instanceof ECKey ec) {
        signer = new ECDSASigner(ec);
        algorithm = ECDSA.resolveAlgorithm(ec.getCurve());
      } else if (key instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
        signer = new Ed25519Signer(okp);
        algorithm = JWSAlgorithm.EdDSA;
      } else {
        throw new IllegalArgumentException("cannot sign with a " + key.getKeyType() + " key");
      }
      header = new JWSHeader.Builder(algorithm).keyID(key.getKeyID()).build();
    } catch (JOSEException e) {
      throw new IllegalArgumentException("unusable signing key: " + e.getMessage(), e);
    }
  }

  public String mint(
      String subject, List<String> subscribe, List<String> publish, boolean admin, Duration ttl) {
    return mint(subject, subscribe, publish, admin, null, ttl).token();
  }

  public Minted mint(
      String subject,
      List<String> subscribe,
      List<String> publish,
      boolean admin,
      String tenant,
      Duration ttl) {
    return mint(subject, subscribe, publish, admin, tenant, false, ttl);
  }

  /**
   * @param channels whether the token may create channels (the {@code crier.channels} claim)
   */
  public Minted mint(
      String subject,
      List<String> subscribe,
      List<String> publish,
      boolean admin,
      String tenant,
      boolean channels,
      Duration ttl) {
    Instant now = Instant.now();
    String tokenId = UUID.randomUUID().toString();
    Instant expiresAt = now.plus(ttl);
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .subject(subject)
            .jwtID(tokenId)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(expiresAt));
    if (!subscribe.isEmpty()) {
      claims.claim(CrierClaims.SUBSCRIBE_CLAIM, subscribe);
    }
    if (!publish.isEmpty()) {
      claims.claim(CrierClaims.PUBLISH_CLAIM, publish);
    }
    if (admin) {
      claims.claim(CrierClaims.ADMIN_CLAIM, true);
    }
    if (tenant != null) {
      claims.claim(CrierClaims.TENANT_CLAIM, tenant);
    }
    if (channels) {
      claims.claim(CrierClaims.CHANNELS_CLAIM, true);
    }
    SignedJWT jwt = new SignedJWT(header, claims.build());
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("signing failed", e);
    }
    return new Minted(jwt.serialize(), tokenId, Instant.ofEpochSecond(expiresAt.getEpochSecond()));
  }
}
