package dev.crier.node.auth;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * How tokens are verified, read once from {@code crier.auth} and {@code crier.dev}. Keys are parsed
 * here, at start, so that a bad key stops the node with a message naming it.
 *
 * @param keys verification keys: HMAC secrets and RSA, EC and Ed25519 public keys
 * @param leeway clock skew allowed on {@code exp} and {@code nbf}
 * @param issuer required {@code iss}, or "" for any
 * @param audience required {@code aud} entry, or "" for any
 * @param devMode whether dev mode is on (its secret is then one of the keys)
 * @param devSecret the HS256 secret of dev-mode tokens
 */
public record AuthSettings(
    List<JWK> keys,
    Duration leeway,
    String issuer,
    String audience,
    boolean devMode,
    String devSecret) {
  static final int MIN_SECRET_BYTES = 32;

  /** The key id given to the dev secret, so that it never shadows a configured key. */
  static final String DEV_KEY_ID = "crier-dev";

  public AuthSettings {
    keys = List.copyOf(keys);
  }

  public static AuthSettings create(Config root) {
    Config auth = root.getConfig("crier.auth.jwt");
    List<JWK> keys = new ArrayList<>();
    List<? extends Config> entries = auth.getConfigList("keys");
    for (int i = 0; i < entries.size(); i++) {
      keys.add(key(entries.get(i), "crier.auth.jwt.keys[" + i + "]"));
    }
    boolean devMode = devMode(root.getString("crier.dev.enabled"), !keys.isEmpty());
    if (!devMode && keys.isEmpty()) {
      throw new IllegalArgumentException(
          "no JWT keys configured: set crier.auth.jwt.keys or enable dev mode"
              + " (CRIER_DEV_MODE=true)");
    }
    String devSecret = root.getString("crier.dev.secret");
    if (devSecret.isEmpty()) {
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      devSecret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    } else if (devSecret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException(
          "crier.dev.secret (CRIER_DEV_SECRET) must be at least " + MIN_SECRET_BYTES + " bytes");
    }
    return new AuthSettings(
        keys,
        auth.getDuration("leeway"),
        auth.getString("issuer"),
        auth.getString("audience"),
        devMode,
        devSecret);
  }

  private static boolean devMode(String setting, boolean keysConfigured) {
    return switch (setting.toLowerCase(Locale.ROOT)) {
      case "auto" -> !keysConfigured;
      case "true", "on", "yes" -> true;
      case "false", "off", "no" -> false;
      default ->
          throw new IllegalArgumentException(
              "crier.dev.enabled must be auto, true or false, was " + setting);
    };
  }

  private static JWK key(Config entry, String where) {
    String kid = entry.hasPath("kid") ? entry.getString("kid") : null;
    int kinds =
        (entry.hasPath("secret") ? 1 : 0)
            + (entry.hasPath("public-key-pem") ? 1 : 0)
            + (entry.hasPath("public-key-file") ? 1 : 0)
            + (entry.hasPath("jwk") ? 1 : 0);
    if (kinds != 1) {
      throw new IllegalArgumentException(
          where + " must have exactly one of secret, public-key-pem, public-key-file, jwk");
    }
    try {
      if (entry.hasPath("secret")) {
        byte[] secret = entry.getString("secret").getBytes(StandardCharsets.UTF_8);
        if (secret.length < MIN_SECRET_BYTES) {
          throw new IllegalArgumentException(
              where + ".secret must be at least " + MIN_SECRET_BYTES + " bytes for HS256");
        }
        return new OctetSequenceKey.Builder(secret).keyID(kid).build();
      }
      if (entry.hasPath("jwk")) {
        return publicPart(JWK.parse(entry.getString("jwk")), kid);
      }
      String pem =
          entry.hasPath("public-key-pem")
              ? entry.getString("public-key-pem")
              : Files.readString(Path.of(entry.getString("public-key-file")));
      return fromPem(pem, kid);
    } catch (ParseException | IOException | GeneralSecurityException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae && iae.getMessage().startsWith(where)) {
        throw iae;
      }
      throw new IllegalArgumentException(where + " is not a usable key: " + e.getMessage(), e);
    }
  }

  private static JWK publicPart(JWK jwk, String kid) throws ParseException {
    JWK key = jwk instanceof OctetSequenceKey ? jwk : jwk.toPublicJWK();
    if (kid != null) {
      key = JWK.parse(withKid(key.toJSONObject(), kid));
    }
    return key;
  }

  private static java.util.Map<String, Object> withKid(
      java.util.Map<String, Object> json, String kid) {
    json.put("kid", kid);
    return json;
  }

  /** Reads an X.509 SubjectPublicKeyInfo PEM of an RSA, EC or Ed25519 key. */
  private static JWK fromPem(String pem, String kid) throws GeneralSecurityException {
    String base64 = pem.replaceAll("-----BEGIN PUBLIC KEY-----|-----END PUBLIC KEY-----|\\s", "");
    if (base64.isEmpty() || pem.contains("PRIVATE KEY")) {
      throw new IllegalArgumentException("expected a PEM 'PUBLIC KEY' block");
    }
    byte[] der = Base64.getDecoder().decode(base64);
    for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
      PublicKey key;
      try {
        key = KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
      } catch (GeneralSecurityException notThisType) {
        continue;
      }
      if (key instanceof RSAPublicKey rsa) {
        return new RSAKey.Builder(rsa).keyID(kid).build();
      }
      if (key instanceof ECPublicKey ec) {
        return new ECKey.Builder(Curve.forECParameterSpec(ec.getParams()), ec).keyID(kid).build();
      }
      // An Ed25519 SubjectPublicKeyInfo ends with the 32-byte raw public key.
      byte[] raw = Arrays.copyOfRange(der, der.length - 32, der.length);
      return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(raw)).keyID(kid).build();
    }
    throw new GeneralSecurityException("not an RSA, EC or Ed25519 public key");
  }
}
