package dev.crier.node.http;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.ServerBuilder;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the public HTTP listener, with CORS around the routes; every error it answers itself is
 * JSON too.
 */
public final class HttpServer extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(HttpServer.class);

  /**
   * Where the public listener binds, which web origins may call it, how long a new connection may
   * take to send its first request whole ({@code header-timeout}; zero: no limit), its TLS (none:
   * plain HTTP) and whether it speaks HTTP/2 (with TLS by ALPN, without by prior knowledge).
   */
  public record Settings(
      String iface,
      int port,
      CorsSettings cors,
      Duration headerTimeout,
      Optional<TlsSettings> tls,
      boolean http2) {
    public Settings {
      if (headerTimeout.isNegative()) {
        throw new IllegalArgumentException("crier.http.header-timeout must not be negative");
      }
    }

    public static Settings create(Config root) {
      Config c = root.getConfig("crier.http");
      Optional<TlsSettings> tls = TlsSettings.create(root, "crier.http.tls");
      return new Settings(
          c.getString("interface"),
          c.getInt("port"),
          CorsSettings.create(root),
          c.getDuration("header-timeout"),
          tls,
          speaksHttp2(c.getString("http2"), tls.isPresent()));
    }
  }

  private static boolean speaksHttp2(String setting, boolean tls) {
    return switch (setting) {
      case "on", "true", "yes" -> true;
      case "off", "false", "no" -> false;
      case "auto" -> tls;
      default ->
          throw new IllegalArgumentException(
              "crier.http.http2 must be on, off or auto, not " + setting);
    };
  }

  /**
   * Inside the CORS and counting wrappers, so that an error no route answered itself is still a
   * JSON body with CORS headers, and counted: what {@link ApiError#forFailure} maps (a refusal
   * thrown or failing a future, an oversize body, an owner's timeout) is its own response, anything
   * else a logged 500.
   */
  private static final ExceptionHandler ERRORS =
      ExceptionHandler.newBuilder()
          .matchAny(
              failure -> {
                Optional<ApiError> carried = ApiError.forFailure(failure);
                if (carried.isPresent()) {
                  return Directives.complete(carried.get().toResponse());
                }
                log.error("unexpected error answering a request", failure);
                return Directives.complete(
                    new ApiError(
                            StatusCodes.INTERNAL_SERVER_ERROR,
                            "internal_error",
                            "the node could not answer this request",
                            null)
                        .toResponse());
              })
          .build();

  /**
   * The routes, with what they fail with answered as on the public port (JSON, or a logged 500).
   */
  public static Route withJsonErrors(Route routes) {
    return Directives.handleExceptions(ERRORS, () -> routes);
  }

  public CompletionStage<ServerBinding> bind(
      ActorSystem<?> system, Settings settings, Route routes, ResponseCounters counters) {
    Cors cors = new Cors(settings.cors());
    Route all =
        mapResponse(
            response -> {
              counters.response(response.status().intValue());
              return response;
            },
            () ->
                cors.around(
                    () ->
                        handleExceptions(
                            ERRORS,
                            () ->
                                handleRejections(
                                    RejectionHandler.defaultHandler()
                                        .mapRejectionResponse(HttpServer::asJson),
                                    () -> routes))));
    ServerBuilder server = Http.get(system).newServerAt(settings.iface(), settings.port());
    if (settings.tls().isPresent()) {
      ReloadingTls tls = ReloadingTls.start(settings.tls().get(), system);
      server = server.enableHttps(ConnectionContext.httpsServer(tls::newEngine));
    }
    if (settings.http2()) {
      // Pekko HTTP serves HTTP/2 only through bind(handler), where no stage sees a connection's
      // stream of requests: an HTTP/2 stream's reset ends its response by itself, but HTTP/1.1
      // clients of this listener go without ClientHangUp's header deadline and early hang-up.
      return server.adaptSettings(s -> s.withEnableHttp2(true)).bind(all.handler(system));
    }
    return server.bindFlow(
        ClientHangUp.watching(all.flow(system), settings.headerTimeout(), counters::headerTimeout));
  }

  private static HttpResponse asJson(HttpResponse response) {
    if (response.entity() instanceof HttpEntity.Strict strict
        && !strict.getContentType().equals(ContentTypes.APPLICATION_JSON)) {
      String code = response.status().reason().toLowerCase().replace(' ', '_');
      return new ApiError(response.status(), code, strict.getData().utf8String(), null)
          .toResponse()
          .withHeaders(response.getHeaders());
    }
    return response;
  }
}
