package dev.crier.node.auth;

import com.typesafe.config.Config;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.time.Duration;

/**
 * Where and how often verification keys are fetched from a JWK Set URL ({@code
 * crier.auth.jwt.jwks}).
 *
 * @param url the JWK Set document's URL
 * @param cacheTtl how long a fetched set is used before it is fetched again
 * @param refreshAhead how long before {@code cacheTtl} ends a background refresh starts
 * @param minRefetchInterval the shortest time between two fetches caused by an unknown {@code kid}
 * @param outageTtl how long the last good set keeps being used while the URL fails
 * @param timeout connect and read timeout of one fetch
 */
public record JwksSettings(
    URL url,
    Duration cacheTtl,
    Duration refreshAhead,
    Duration minRefetchInterval,
    Duration outageTtl,
    Duration timeout) {

  /** The settings, or null when no URL is configured. */
  static JwksSettings create(Config jwks) {
    String url = jwks.getString("url");
    if (url.isEmpty()) {
      return null;
    }
    JwksSettings settings;
    try {
      settings =
          new JwksSettings(
              URI.create(url).toURL(),
              jwks.getDuration("cache-ttl"),
              jwks.getDuration("refresh-ahead"),
              jwks.getDuration("min-refetch-interval"),
              jwks.getDuration("outage-ttl"),
              jwks.getDuration("timeout"));
    } catch (IllegalArgumentException | MalformedURLException e) {
      throw new IllegalArgumentException(
          "crier.auth.jwt.jwks.url is not a URL: " + e.getMessage(), e);
    }
    if (settings.refreshAhead().plus(settings.timeout()).compareTo(settings.cacheTtl()) > 0) {
      throw new IllegalArgumentException(
          "crier.auth.jwt.jwks.refresh-ahead plus timeout must not exceed cache-ttl"
              + " (a refresh must be able to finish before the cached set expires)");
    }
    return settings;
  }
}
