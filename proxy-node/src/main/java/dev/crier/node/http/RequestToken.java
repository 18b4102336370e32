package dev.crier.node.http;

import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.headers.Cookie;
import org.apache.pekko.http.javadsl.model.headers.HttpCookiePair;

/**
 * Finds the bearer token of a request: the {@code Authorization: Bearer} header, else the {@code
 * access_token} query parameter, else the {@code crier_token} cookie (browsers' EventSource cannot
 * set headers).
 */
public final class RequestToken {
  static final String QUERY_PARAMETER = "access_token";
  static final String COOKIE = "crier_token";

  private RequestToken() {}

  public static Optional<String> of(HttpRequest request) {
    Optional<HttpHeader> authorization = request.getHeader("Authorization");
    if (authorization.isPresent()) {
      String value = authorization.get().value().trim();
      if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
        return nonEmpty(value.substring(7).trim());
      }
      return Optional.empty();
    }
    Optional<String> query = request.getUri().query().get(QUERY_PARAMETER);
    if (query.isPresent()) {
      return nonEmpty(query.get());
    }
    return request
        .getHeader(Cookie.class)
        .flatMap(
            cookie -> {
              for (HttpCookiePair pair : cookie.getCookies()) {
                if (pair.name().equals(COOKIE)) {
                  return nonEmpty(pair.value());
                }
              }
              return Optional.empty();
            });
  }

  private static Optional<String> nonEmpty(String s) {
    return s.isEmpty() ? Optional.empty() : Optional.of(s);
  }
}
