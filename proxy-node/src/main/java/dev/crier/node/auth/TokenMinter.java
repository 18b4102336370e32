package dev.crier.node.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/** Mints HS256 tokens with Crier's claims: dev-mode tokens, admin-minted tokens, tests. */
public final class TokenMinter {
  private final MACSigner signer;

  public TokenMinter(String secret) {
    try {
      this.signer = new MACSigner(secret.getBytes(StandardCharsets.UTF_8));
    } catch (JOSEException e) {
      throw new IllegalArgumentException("HS256 secret must be at least 32 bytes", e);
    }
  }

  public String mint(
      String subject, List<String> subscribe, List<String> publish, boolean admin, Duration ttl) {
    Instant now = Instant.now();
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .subject(subject)
            .jwtID(UUID.randomUUID().toString())
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(ttl)));
    if (!subscribe.isEmpty()) {
      claims.claim(JwtVerifier.SUBSCRIBE_CLAIM, subscribe);
    }
    if (!publish.isEmpty()) {
      claims.claim(JwtVerifier.PUBLISH_CLAIM, publish);
    }
    if (admin) {
      claims.claim(JwtVerifier.ADMIN_CLAIM, true);
    }
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("HS256 signing failed", e);
    }
    return jwt.serialize();
  }
}
