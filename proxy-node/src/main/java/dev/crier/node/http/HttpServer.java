package dev.crier.node.http;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
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
   * Where the public listener binds, which web origins may call it, and how long a new connection
   * may take to send its first request whole ({@code header-timeout}; zero: no limit).
   */
  public record Settings(String iface, int port, CorsSettings cors, Duration headerTimeout) {
    public Settings {
      if (headerTimeout.isNegative()) {
        throw new IllegalArgumentException("crier.http.header-timeout must not be negative");
      }
    }

    public static Settings create(Config root) {
      Config c = root.getConfig("crier.http");
      return new Settings(
          c.getString("interface"),
          c.getInt("port"),
          CorsSettings.create(root),
          c.getDuration("header-timeout"));
    }
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
    return Http.get(system)
        .newServerAt(settings.iface(), settings.port())
        .bindFlow(
            ClientHangUp.watching(
                all.flow(system), settings.headerTimeout(), counters::headerTimeout));
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
