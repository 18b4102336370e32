package dev.crier.node.auth;

import com.typesafe.config.Config;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * How the auth webhook is asked and its answers kept ({@code crier.auth.webhook}).
 *
 * @param url where tokens are POSTed
 * @param authorization the {@code Authorization} header value sent with each call, or ""
 * @param timeout how long one call may take before it counts as failed
 * @param grantedTtl how long a granting answer is reused
 * @param refusedTtl how long a refusing answer is reused
 * @param staleTtl how long a granting answer is kept for use while the webhook is out ({@code
 *     allow-cached})
 * @param maxEntries answers kept at most
 * @param maxConnections connections to the webhook at most (more calls wait for one)
 * @param maxWaiting calls that may wait for a free connection; beyond them a request gets 503
 * @param maxFailures consecutive failures (errors or timeouts) that open the circuit breaker
 * @param resetTimeout how long the breaker stays open before one call probes the webhook again
 * @param onOutage what an unanswered request gets while the webhook fails or the breaker is open
 */
public record WebhookSettings(
    URI url,
    String authorization,
    Duration timeout,
    Duration grantedTtl,
    Duration refusedTtl,
    Duration staleTtl,
    long maxEntries,
    int maxConnections,
    int maxWaiting,
    int maxFailures,
    Duration resetTimeout,
    OnOutage onOutage) {

  /** What happens to a token while the webhook cannot answer. */
  public enum OnOutage {
    /** Refused with 503 and Retry-After. */
    DENY,
    /** Granted as last answered, if that answer is younger than {@code stale-ttl}; else 503. */
    ALLOW_CACHED
  }

  /** The settings, or null when no URL is configured. */
  static WebhookSettings create(Config webhook) {
    String url = webhook.getString("url");
    if (url.isEmpty()) {
      return null;
    }
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "crier.auth.webhook.url is not a URL: " + e.getMessage(), e);
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
      throw new IllegalArgumentException("crier.auth.webhook.url must be http or https: " + url);
    }
    String onOutage = webhook.getString("on-outage");
    WebhookSettings settings =
        new WebhookSettings(
            uri,
            webhook.getString("authorization"),
            webhook.getDuration("timeout"),
            webhook.getDuration("granted-ttl"),
            webhook.getDuration("refused-ttl"),
            webhook.getDuration("stale-ttl"),
            webhook.getLong("max-entries"),
            webhook.getInt("max-connections"),
            webhook.getInt("max-waiting"),
            webhook.getInt("breaker.max-failures"),
            webhook.getDuration("breaker.reset-timeout"),
            switch (onOutage.toLowerCase(Locale.ROOT)) {
              case "deny" -> OnOutage.DENY;
              case "allow-cached" -> OnOutage.ALLOW_CACHED;
              default ->
                  throw new IllegalArgumentException(
                      "crier.auth.webhook.on-outage must be deny or allow-cached, was " + onOutage);
            });
    if (settings.maxFailures() < 1 || settings.maxEntries() < 1 || settings.maxConnections() < 1) {
      throw new IllegalArgumentException(
          "crier.auth.webhook.breaker.max-failures, max-entries and max-connections must be at"
              + " least 1");
    }
    if (settings.maxWaiting() < 0) {
      throw new IllegalArgumentException("crier.auth.webhook.max-waiting must not be negative");
    }
    if (settings.staleTtl().compareTo(settings.grantedTtl()) < 0) {
      throw new IllegalArgumentException(
          "crier.auth.webhook.stale-ttl must not be shorter than granted-ttl");
    }
    return settings;
  }
}
