package dev.crier.node.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.crier.protocol.topic.InvalidTopicException;
import dev.crier.protocol.topic.TopicPattern;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Crier's claims in a JWT and the {@link Grants} read from them: {@code crier.subscribe} and {@code
 * crier.publish} (arrays of topic patterns), {@code crier.admin} and {@code crier.channels}
 * (booleans) and {@code crier.tenant} (a string), each also accepted inside a {@code crier} object,
 * where the dotted claim wins.
 */
final class CrierClaims {
  static final String SUBSCRIBE_CLAIM = "crier.subscribe";
  static final String PUBLISH_CLAIM = "crier.publish";
  static final String ADMIN_CLAIM = "crier.admin";
  static final String TENANT_CLAIM = "crier.tenant";
  static final String CHANNELS_CLAIM = "crier.channels";
  static final String NESTED_CLAIM = "crier";

  private CrierClaims() {}

  /** The grants of verified claims; throws {@link AuthException} for malformed Crier claims. */
  static Grants grants(JWTClaimsSet claims) {
    Object subscribe = claims.getClaim(SUBSCRIBE_CLAIM);
    Object publish = claims.getClaim(PUBLISH_CLAIM);
    Object admin = claims.getClaim(ADMIN_CLAIM);
    Object tenant = claims.getClaim(TENANT_CLAIM);
    Object channels = claims.getClaim(CHANNELS_CLAIM);
    if (claims.getClaim(NESTED_CLAIM) instanceof Map<?, ?> nested) {
      subscribe = subscribe != null ? subscribe : nested.get("subscribe");
      publish = publish != null ? publish : nested.get("publish");
      admin = admin != null ? admin : nested.get("admin");
      tenant = tenant != null ? tenant : nested.get("tenant");
      channels = channels != null ? channels : nested.get("channels");
    }
    if (admin != null && !(admin instanceof Boolean)) {
      throw new AuthException("malformed crier claims: admin must be a boolean");
    }
    if (channels != null && !(channels instanceof Boolean)) {
      throw new AuthException("malformed crier claims: channels must be a boolean");
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
        (String) tenant,
        Boolean.TRUE.equals(channels));
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
