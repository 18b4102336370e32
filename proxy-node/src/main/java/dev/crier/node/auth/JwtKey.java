package dev.crier.node.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A key that verifies JWTs and the algorithms it verifies: only those of its own type (HMAC secrets
 * HS*, RSA keys RS* and PS*, EC keys the ES* of their curve, Ed25519 keys EdDSA), so that a token
 * signed with HMAC using a public key as the secret is never checked against the public key
 * (algorithm confusion).
 *
 * @param fetched whether it is a key of the JWK set (else a configured one)
 */
record JwtKey(JWK jwk, boolean fetched, Set<JWSAlgorithm> algorithms, JWSVerifier verifier) {

  String kid() {
    return jwk.getKeyID();
  }

  /** The verifier of this key; throws {@link IllegalArgumentException} for a key it cannot use. */
  static JwtKey of(JWK jwk, boolean fetched) {
    try {
      if (jwk instanceof OctetSequenceKey oct) {
        return new JwtKey(
            oct,
            fetched,
            Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512),
            new MACVerifier(oct));
      }
      if (jwk instanceof RSAKey rsa) {
        return new JwtKey(
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
        return new JwtKey(ec, fetched, algorithms, new ECDSAVerifier(ec));
      }
      if (jwk instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
        return new JwtKey(
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
}
