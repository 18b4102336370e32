package dev.crier.node.auth;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.typesafe.config.Config;
import dev.crier.protocol.topic.InvalidTopicException;
import dev.crier.protocol.topic.TopicPattern;
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
 * @param verifiers the verifiers to try, in order ({@code jwt}, {@code webhook})
 * @param keys verification keys: HMAC secrets and RSA, EC and Ed25519 public keys
 * @param jwks where to fetch further verification keys, or null
 * @param webhook the auth service to ask, or null
 * @param leeway clock skew allowed on {@code exp} and {@code nbf}
 * @param issuer required {@code iss}, or "" for any
 * @param audience required {@code aud} entry, or "" for any
 * @param jwtCacheMaxEntries verified JWTs remembered at most, or 0 for none (every request verifies
 *     its token)
 * @param anonymousSubscribe topics (and patterns) anyone may subscribe to without a token
 * @param anonymousPublish topics (and patterns) anyone may publish to without a token
 * @param adminSecret a static bearer credential for the admin routes, or "" for none
 * @param signing the key {@code POST /admin/tokens} signs with, or null (minting is off)
 * @param mintMaxTtl the longest lifetime {@code POST /admin/tokens} gives a token
 * @param revocationRetention how long a revoked token id is kept when its expiry is not given
 * @param revocationPruneInterval how often revoked ids of expired tokens are dropped
 * @param revocationWriteTimeout how long a revocation waits for a majority of nodes to store it
 * @param devMode whether dev mode is on (its secret is then one of the keys)
 * @param devSecret the HS256 secret of dev-mode tokens
 * @param devTokenTtl the lifetime of the dev tokens printed at start
 */
public record AuthSettings(
    List<String> verifiers,
    List<JWK> keys,
    JwksSettings jwks,
    WebhookSettings webhook,
    Duration leeway,
    String issuer,
    String audience,
    long jwtCacheMaxEntries,
    List<String> anonymousSubscribe,
    List<String> anonymousPublish,
    String adminSecret,
    JWK signing,
    Duration mintMaxTtl,
    Duration revocationRetention,
    Duration revocationPruneInterval,
    Duration revocationWriteTimeout,
    boolean devMode,
    String devSecret,
    Duration devTokenTtl) {
  static final int MIN_SECRET_BYTES = 32;

  /** The key id given to the dev secret, so that it never shadows a configured key. */
  static final String DEV_KEY_ID = "crier-dev";

  static final String JWT = "jwt";
  static final String WEBHOOK = "webhook";

  public AuthSettings {
    verifiers = List.copyOf(verifiers);
    keys = List.copyOf(keys);
    anonymousSubscribe = List.copyOf(anonymousSubscribe);
    anonymousPublish = List.copyOf(anonymousPublish);
  }

  public static AuthSettings create(Config root) {
    Config auth = root.getConfig("crier.auth");
    Config jwt = auth.getConfig("jwt");
    List<JWK> keys = new ArrayList<>();
    List<? extends Config> entries = jwt.getConfigList("keys");
    for (int i = 0; i < entries.size(); i++) {
      keys.add(key(entries.get(i), "crier.auth.jwt.keys[" + i + "]"));
    }
    JwksSettings jwks = JwksSettings.create(jwt.getConfig("jwks"));
    WebhookSettings webhook = WebhookSettings.create(auth.getConfig("webhook"));
    JWK signing = signingKey(auth.getConfig("signing"));
    if (signing != null) {
      keys.add(signing instanceof OctetSequenceKey ? signing : signing.toPublicJWK());
    }
    boolean configured = !keys.isEmpty() || jwks != null || webhook != null;
    boolean devMode = devMode(root.getString("crier.dev.enabled"), configured);
    List<String> verifiers = verifiers(auth.getStringList("verifiers"), devMode, webhook);
    if (verifiers.contains(JWT) && !devMode && keys.isEmpty() && jwks == null) {
      throw new IllegalArgumentException(
          "no JWT keys configured: set crier.auth.jwt.keys or crier.auth.jwt.jwks.url, enable dev"
              + " mode (CRIER_DEV_MODE=true), or leave jwt out of crier.auth.verifiers");
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
    String adminSecret = auth.getString("admin-secret");
    if (!adminSecret.isEmpty()
        && adminSecret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException(
          "crier.auth.admin-secret (CRIER_ADMIN_SECRET) must be at least "
              + MIN_SECRET_BYTES
              + " bytes");
    }
    if (devMode && signing == null) {
      signing =
          new OctetSequenceKey.Builder(devSecret.getBytes(StandardCharsets.UTF_8))
              .keyID(DEV_KEY_ID)
              .build();
    }
    long jwtCacheMaxEntries = jwt.getLong("cache.max-entries");
    if (jwtCacheMaxEntries < 0) {
      throw new IllegalArgumentException(
          "crier.auth.jwt.cache.max-entries must not be negative (0 turns the cache off)");
    }
    Config anonymous = auth.getConfig("anonymous");
    return new AuthSettings(
        verifiers,
        keys,
        jwks,
        webhook,
        jwt.getDuration("leeway"),
        jwt.getString("issuer"),
        jwt.getString("audience"),
        jwtCacheMaxEntries,
        patterns(anonymous, "subscribe"),
        patterns(anonymous, "publish"),
        adminSecret,
        signing,
        auth.getDuration("signing.max-ttl"),
        auth.getDuration("revocation.retention"),
        auth.getDuration("revocation.prune-interval"),
        auth.getDuration("revocation.write-timeout"),
        devMode,
        devSecret,
        root.getDuration("crier.dev.token-ttl"));
  }

  private static List<String> verifiers(
      List<String> configured, boolean devMode, WebhookSettings webhook) {
    List<String> verifiers = new ArrayList<>();
    for (String name : configured) {
      if (!name.equals(JWT) && !name.equals(WEBHOOK)) {
        throw new IllegalArgumentException(
            "crier.auth.verifiers holds unknown verifier '" + name + "' (jwt, webhook)");
      }
      if (verifiers.contains(name)) {
        throw new IllegalArgumentException("crier.auth.verifiers names " + name + " twice");
      }
      verifiers.add(name);
    }
    if (verifiers.contains(WEBHOOK) && webhook == null) {
      throw new IllegalArgumentException(
          "crier.auth.verifiers names webhook but crier.auth.webhook.url is empty");
    }
    if (!verifiers.contains(WEBHOOK) && webhook != null) {
      throw new IllegalArgumentException(
          "crier.auth.webhook.url is set but webhook is not in crier.auth.verifiers");
    }
    if (devMode && !verifiers.contains(JWT)) {
      verifiers.add(0, JWT);
    }
    return verifiers;
  }

  private static List<String> patterns(Config anonymous, String path) {
    List<String> patterns = anonymous.getStringList(path);
    for (String pattern : patterns) {
      try {
        TopicPattern.parse(pattern);
      } catch (InvalidTopicException e) {
        throw new IllegalArgumentException(
            "crier.auth.anonymous." + path + " holds a bad pattern: " + e.getMessage(), e);
      }
    }
    return patterns;
  }

  /** The private key (or HMAC secret) admin-minted tokens are signed with, or null. */
  private static JWK signingKey(Config signing) {
    String secret = signing.getString("secret");
    String jwk = signing.getString("jwk");
    String kid = signing.getString("kid");
    if (!secret.isEmpty() && !jwk.isEmpty()) {
      throw new IllegalArgumentException(
          "crier.auth.signing must have at most one of secret and jwk");
    }
    if (!secret.isEmpty()) {
      byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
      if (bytes.length < MIN_SECRET_BYTES) {
        throw new IllegalArgumentException(
            "crier.auth.signing.secret must be at least " + MIN_SECRET_BYTES + " bytes");
      }
      return new OctetSequenceKey.Builder(bytes).keyID(kid.isEmpty() ? null : kid).build();
    }
    if (jwk.isEmpty()) {
      return null;
    }
    JWK key;
    try {
      key = JWK.parse(jwk);
    } catch (ParseException e) {
      throw new IllegalArgumentException(
          "crier.auth.signing.jwk is not a JWK: " + e.getMessage(), e);
    }
    if (!key.isPrivate() || key instanceof OctetSequenceKey) {
      throw new IllegalArgumentException(
          "crier.auth.signing.jwk must be a private RSA, EC or Ed25519 key");
    }
    if (!kid.isEmpty()) {
      try {
        key = JWK.parse(withKid(key.toJSONObject(), kid));
      } catch (ParseException e) {
        throw new IllegalArgumentException("crier.auth.signing.kid: " + e.getMessage(), e);
      }
    }
    return key;
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
