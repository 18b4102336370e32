package dev.crier.node.http;

import com.typesafe.config.Config;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code crier.http.cors} settings, read once: which web origins' pages may call the public
 * listener, and whether with the user's credentials (the {@code crier_token} cookie).
 *
 * @param allowedOrigins origins as browsers send them ({@code https://app.example.com}, lower case,
 *     no default port), or {@code *} for every origin; empty turns CORS off
 * @param allowCredentials whether responses say {@code Access-Control-Allow-Credentials: true}, so
 *     that browsers send cookies and let the page read the answer
 * @param maxAge how long a browser may reuse a preflight's answer
 */
public record CorsSettings(Set<String> allowedOrigins, boolean allowCredentials, Duration maxAge) {
  static final String ANY_ORIGIN = "*";
  private static final String KEY = "crier.http.cors";

  public CorsSettings {
    allowedOrigins = Set.copyOf(allowedOrigins);
    if (allowCredentials && allowedOrigins.contains(ANY_ORIGIN)) {
      // Browsers refuse credentials for "*"; echoing every origin instead would let any web site
      // act with a visitor's cookie.
      throw new IllegalArgumentException(
          KEY
              + ".allowed-origins may only contain \"*\" when "
              + KEY
              + ".allow-credentials = false: list the origins that may send credentials");
    }
    if (maxAge.isNegative()) {
      throw new IllegalArgumentException(KEY + ".max-age must not be negative");
    }
  }

  public static CorsSettings create(Config root) {
    Config c = root.getConfig(KEY);
    List<String> configured = c.getStringList("allowed-origins");
    Set<String> origins = new LinkedHashSet<>();
    for (int i = 0; i < configured.size(); i++) {
      origins.add(origin(configured.get(i), KEY + ".allowed-origins[" + i + "]"));
    }
    return new CorsSettings(origins, c.getBoolean("allow-credentials"), c.getDuration("max-age"));
  }

  /** True when at least one origin is configured. */
  public boolean enabled() {
    return !allowedOrigins.isEmpty();
  }

  /** Whether a request's {@code Origin} header names an allowed origin. */
  public boolean allows(String origin) {
    return allowedOrigins.contains(ANY_ORIGIN)
        || allowedOrigins.contains(origin.toLowerCase(Locale.ROOT));
  }

  /**
   * The configured origin in the form browsers send it (lower case, no default port), so that a
   * plain string comparison matches; anything that is not scheme://host[:port] stops the node.
   */
  private static String origin(String configured, String key) {
    if (configured.equals(ANY_ORIGIN)) {
      return configured;
    }
    String expected =
        key
            + " = \""
            + configured
            + "\" is not an origin: write scheme://host[:port] without a path,"
            + " e.g. https://app.example.com";
    URI uri;
    try {
      uri = new URI(configured);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(expected, e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https"))
        || uri.getHost() == null
        || uri.getRawUserInfo() != null
        || !(uri.getRawPath() == null || uri.getRawPath().isEmpty())
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(expected);
    }
    int defaultPort = scheme.equals("https") ? 443 : 80;
    int port = uri.getPort();
    return scheme
        + "://"
        + uri.getHost().toLowerCase(Locale.ROOT)
        + (port == -1 || port == defaultPort ? "" : ":" + port);
  }
}
