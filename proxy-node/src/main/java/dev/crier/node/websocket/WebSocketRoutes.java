package dev.crier.node.websocket;

import dev.crier.node.Refusal;
import dev.crier.node.auth.AccessRequest;
import dev.crier.node.auth.Grants;
import dev.crier.node.http.Access;
import dev.crier.node.http.ApiError;
import dev.crier.node.http.ClientAddress;
import dev.crier.node.http.CorsSettings;
import dev.crier.node.http.RequestToken;
import dev.crier.node.publish.EventRequests;
import dev.crier.node.publish.Publisher;
import dev.crier.node.subscribe.Connections;
import dev.crier.node.subscribe.SubscribeSettings;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;
import org.apache.pekko.stream.javadsl.Flow;

/**
 * {@code GET /ws}: upgrades to a WebSocket session. A token with the upgrade request (header,
 * {@code access_token}, {@code crier_token} cookie) is checked before the upgrade, so a bad one is
 * an HTTP 401 like anywhere else; without one the socket authenticates with its first frame. A node
 * that would refuse the connection now (draining, at capacity, a per-client limit) answers the
 * upgrade with that refusal's HTTP error.
 */
public final class WebSocketRoutes extends AllDirectives {
  private final Sockets sockets;
  private final CorsSettings cors;
  private final org.apache.pekko.http.scaladsl.settings.WebSocketSettings pekkoSettings;
  private final LoggingAdapter log;

  private WebSocketRoutes(Sockets sockets, CorsSettings cors, ActorSystem<?> system) {
    this.sockets = sockets;
    this.cors = cors;
    this.pekkoSettings = ServerSettings.apply(system.settings().config()).websocketSettings();
    this.log = system.classicSystem().log();
  }

  /** The {@code /ws} route over the node's services. */
  public static Route create(
      WebSocketSettings settings,
      SubscribeSettings subscribe,
      int maxReplay,
      Access access,
      Connections connections,
      Publisher publisher,
      EventRequests requests,
      CorsSettings cors,
      ActorSystem<?> system) {
    return new WebSocketRoutes(
            new Sockets(settings, subscribe, maxReplay, access, connections, publisher, requests),
            cors,
            system)
        .route();
  }

  private Route route() {
    return path("ws", () -> get(() -> extractRequest(this::upgrade)));
  }

  private Route upgrade(HttpRequest request) {
    Optional<WebSocketUpgrade> upgrade = request.getAttribute(AttributeKeys.webSocketUpgrade);
    if (upgrade.isEmpty()) {
      return complete(
          new ApiError(
                  StatusCodes.UPGRADE_REQUIRED,
                  "upgrade_required",
                  "GET /ws takes a WebSocket upgrade (Connection: Upgrade, Upgrade: websocket)",
                  null)
              .toResponse());
    }
    boolean ack;
    try {
      ack = ackParameter(request);
    } catch (ApiError.Rejection rejection) {
      return complete(rejection.error().toResponse());
    }
    if (RequestToken.of(request).isEmpty()) {
      return complete(answer(upgrade.get(), request, null, ack));
    }
    if (!cookieMayBeUsed(request)) {
      return complete(
          ApiError.forbidden(
                  "a WebSocket from origin "
                      + request.getHeader("Origin").map(h -> h.value()).orElse("")
                      + " may not use the crier_token cookie: allow the origin with"
                      + " crier.http.cors.allowed-origins and allow-credentials, or send the token"
                      + " in the first frame")
              .toResponse());
    }
    return completeWithFuture(
        sockets
            .access()
            .authenticate(request, AccessRequest.subscribe(List.of()))
            .thenApply(grants -> answer(upgrade.get(), request, grants, ack)));
  }

  private HttpResponse answer(
      WebSocketUpgrade upgrade, HttpRequest request, Grants grants, boolean ack) {
    Optional<Refusal> refusal =
        sockets
            .connections()
            .refusesNow(grants == null ? null : grants.subject(), ClientAddress.of(request));
    if (refusal.isPresent()) {
      return ApiError.of(refusal.get()).toResponse();
    }
    CodedClose close = new CodedClose();
    return close.answer(
        upgrade,
        Flow.fromGraph(new SocketSession(sockets, ClientAddress.of(request), grants, ack, close)),
        pekkoSettings,
        log);
  }

  /**
   * Browsers send cookies with a WebSocket from any page and no CORS applies, so a page of another
   * site could act with a visitor's {@code crier_token} cookie. A socket authenticated by the
   * cookie is taken only from its own origin, or from an origin CORS lets send credentials.
   */
  private boolean cookieMayBeUsed(HttpRequest request) {
    Optional<String> origin = request.getHeader("Origin").map(h -> h.value());
    if (origin.isEmpty()
        || request.getHeader("Authorization").isPresent()
        || request.getUri().query().get("access_token").isPresent()) {
      return true;
    }
    String host = request.getHeader("Host").map(h -> h.value()).orElse("");
    return origin.get().equals("http://" + host)
        || origin.get().equals("https://" + host)
        || (cors.allowCredentials() && cors.allows(origin.get()));
  }

  private static boolean ackParameter(HttpRequest request) {
    Optional<String> ack = request.getUri().query().get("ack");
    if (ack.isEmpty()) {
      return false;
    }
    return switch (ack.get()) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default -> throw ApiError.badRequest("invalid_ack", "ack is true or false").rejection();
    };
  }
}
