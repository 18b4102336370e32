package dev.crier.node.auth;

import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import java.text.ParseException;
import java.time.Clock;
import java.util.Date;
import java.util.Locale;
import java.util.Set;

/**
 * The check of a JWT's registered claims: {@code exp} required, {@code exp} and {@code nbf} within
 * the leeway by the given clock, and {@code iss} and {@code aud} when configured. Its refusals are
 * {@link AuthException}s saying which claim failed. Thread-safe.
 */
final class RegisteredClaims {
  private final DefaultJWTClaimsVerifier<SecurityContext> verifier;

  /** The leeway as the claims verifier applies it: whole seconds. */
  private final long leewayMillis;

  private RegisteredClaims(DefaultJWTClaimsVerifier<SecurityContext> verifier) {
    this.verifier = verifier;
    this.leewayMillis = verifier.getMaxClockSkew() * 1000L;
  }

  static RegisteredClaims create(AuthSettings settings, Clock clock) {
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
    return new RegisteredClaims(claims);
  }

  /** The claims of a token whose signature verified, if they pass; else {@link AuthException}. */
  JWTClaimsSet check(SignedJWT jwt) {
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
      verifier.verify(claims, null);
    } catch (ParseException e) {
      throw new AuthException("malformed token claims");
    } catch (BadJWTException e) {
      throw new AuthException(claimProblem(e.getMessage()));
    }
    return claims;
  }

  /** The first instant at which the check refuses claims that pass now: {@code exp} plus leeway. */
  long validUntil(JWTClaimsSet claims) {
    long exp = claims.getExpirationTime().getTime();
    return exp > Long.MAX_VALUE - leewayMillis ? Long.MAX_VALUE : exp + leewayMillis;
  }

  private static String claimProblem(String nimbusMessage) {
    String m = nimbusMessage == null ? "" : nimbusMessage.toLowerCase(Locale.ROOT);
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
}
