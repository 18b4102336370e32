package dev.crier.node.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Cross-origin resource sharing for the public listener, so that pages of the configured origins
 * may subscribe, publish and read history from a browser, cookie included when allowed.
 *
 * <p>A preflight ({@code OPTIONS} with {@code Origin} and {@code Access-Control-Request-Method}) is
 * answered here: 204 with the methods and headers of the API for an allowed origin, 403 for any
 * other. Every other response (SSE streams and JSON errors included) to an allowed origin names
 * that origin in {@code Access-Control-Allow-Origin}; responses to other origins carry no CORS
 * header, so the browser hides them from the page. The origin is always echoed rather than answered
 * with {@code *}, and every response says {@code Vary: Origin}, so that a cache never serves one
 * origin's answer to another. With no origin configured nothing is added at all.
 */
public final class Cors extends AllDirectives {
  static final String ALLOWED_METHODS = "GET, POST, DELETE";
  static final String ALLOWED_HEADERS =
      "Authorization, Content-Type, Last-Event-ID, Crier-Event-Type, Crier-Idempotency-Key,"
          + " Crier-Deliver-At";
  static final String EXPOSED_HEADERS = "Retry-After";
  private static final HttpHeader VARY_ORIGIN = RawHeader.create("Vary", "Origin");

  private final CorsSettings settings;

  public Cors(CorsSettings settings) {
    this.settings = settings;
  }

  /** The {@code inner} routes with CORS answered around them. */
  public Route around(Supplier<Route> inner) {
    if (!settings.enabled()) {
      return inner.get();
    }
    return extractRequest(
        request -> {
          Optional<String> origin = request.getHeader("Origin").map(HttpHeader::value);
          boolean allowed = origin.isPresent() && settings.allows(origin.get());
          if (origin.isPresent() && isPreflight(request)) {
            return complete(allowed ? preflight(origin.get()) : refusal(origin.get()));
          }
          return respondWithHeaders(allowed ? granted(origin.get()) : List.of(VARY_ORIGIN), inner);
        });
  }

  private static boolean isPreflight(HttpRequest request) {
    return request.method().equals(HttpMethods.OPTIONS)
        && request.getHeader("Access-Control-Request-Method").isPresent();
  }

  private HttpResponse preflight(String origin) {
    List<HttpHeader> headers = new ArrayList<>(allowOrigin(origin));
    headers.add(RawHeader.create("Access-Control-Allow-Methods", ALLOWED_METHODS));
    headers.add(RawHeader.create("Access-Control-Allow-Headers", ALLOWED_HEADERS));
    headers.add(
        RawHeader.create("Access-Control-Max-Age", Long.toString(settings.maxAge().toSeconds())));
    return HttpResponse.create().withStatus(StatusCodes.NO_CONTENT).addHeaders(headers);
  }

  private static HttpResponse refusal(String origin) {
    return new ApiError(
            StatusCodes.FORBIDDEN,
            "origin_not_allowed",
            "pages of origin " + origin + " may not call this service (crier.http.cors)",
            null)
        .toResponse()
        .addHeader(VARY_ORIGIN);
  }

  /** The headers of an ordinary response that the page of {@code origin} may read. */
  private List<HttpHeader> granted(String origin) {
    List<HttpHeader> headers = new ArrayList<>(allowOrigin(origin));
    headers.add(RawHeader.create("Access-Control-Expose-Headers", EXPOSED_HEADERS));
    return headers;
  }

  private List<HttpHeader> allowOrigin(String origin) {
    List<HttpHeader> headers = new ArrayList<>();
    headers.add(RawHeader.create("Access-Control-Allow-Origin", origin));
    if (settings.allowCredentials()) {
      headers.add(RawHeader.create("Access-Control-Allow-Credentials", "true"));
    }
    headers.add(VARY_ORIGIN);
    return headers;
  }
}
