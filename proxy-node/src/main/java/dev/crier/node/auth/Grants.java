package dev.crier.node.auth;

import dev.crier.protocol.topic.TopicPattern;
import java.time.Instant;
import java.util.List;

/**
 * What a verified token allows.
 *
 * @param tokenId the {@code jti} claim, or null
 * @param subscribe topics (and patterns) the bearer may subscribe to and read history of
 * @param publish topics (and patterns) the bearer may publish to
 * @param admin whether the bearer may use the admin routes
 * @param tenant the {@code crier.tenant} claim (whose limits the bearer shares), or null
 * @param channels the {@code crier.channels} claim: whether the bearer may create channels
 */
public record Grants(
    String subject,
    String tokenId,
    Instant expiresAt,
    List<TopicPattern> subscribe,
    List<TopicPattern> publish,
    boolean admin,
    String tenant,
    boolean channels) {

  public Grants {
    subscribe = List.copyOf(subscribe);
    publish = List.copyOf(publish);
  }

  /** Grants that do not allow creating channels. */
  public Grants(
      String subject,
      String tokenId,
      Instant expiresAt,
      List<TopicPattern> subscribe,
      List<TopicPattern> publish,
      boolean admin,
      String tenant) {
    this(subject, tokenId, expiresAt, subscribe, publish, admin, tenant, false);
  }

  /**
   * Grants of nothing: a bearer no token was asked of (a channel's reader, who holds its address).
   */
  public static Grants none() {
    return new Grants(null, null, Instant.MAX, List.of(), List.of(), false, null);
  }

  public boolean maySubscribe(String topic) {
    return matches(subscribe, topic);
  }

  public boolean mayPublish(String topic) {
    return matches(publish, topic);
  }

  private static boolean matches(List<TopicPattern> patterns, String topic) {
    for (TopicPattern p : patterns) {
      if (p.matches(topic)) {
        return true;
      }
    }
    return false;
  }
}
