package dev.crier.node.management;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crier.node.auth.TokenAdmin;
import dev.crier.node.auth.TokenMinter;
import dev.crier.node.http.Access;
import dev.crier.node.http.ApiError;
import dev.crier.node.http.Json;
import dev.crier.protocol.topic.InvalidTopicException;
import dev.crier.protocol.topic.TopicPattern;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;

/**
 * The admin routes of the management port, each needing the admin credential (a token with {@code
 * crier.admin: true}, or the configured static admin secret): {@code POST /admin/drain}, {@code
 * POST /admin/tokens} (mint a scoped token) and {@code DELETE /admin/tokens/{jti}} (revoke one
 * cluster-wide).
 */
final class AdminRoutes extends AllDirectives {
  private static final int MAX_BODY_BYTES = 64 * 1024;
  private static final Duration DEFAULT_TTL = Duration.ofHours(1);
  private static final Duration BODY_TIMEOUT = Duration.ofSeconds(5);

  private final ActorSystem<?> system;
  private final Access access;
  private final TokenAdmin tokens;

  /**
   * @param access how the caller is shown to be an admin (an admin token or the static secret)
   * @param tokens what the token routes mint and revoke with
   */
  AdminRoutes(ActorSystem<?> system, Access access, TokenAdmin tokens) {
    this.system = system;
    this.access = access;
    this.tokens = tokens;
  }

  Route route() {
    return pathPrefix(
        "admin",
        () ->
            concat(
                path("drain", () -> post(() -> asAdmin(request -> drain()))),
                pathPrefix(
                    "tokens",
                    () ->
                        concat(
                            pathEnd(() -> post(() -> asAdmin(this::mint))),
                            path(
                                PathMatchers.segment(),
                                tokenId ->
                                    delete(() -> asAdmin(request -> revoke(request, tokenId))))))));
  }

  /** {@code POST /admin/drain}'s answer: the drain has started. */
  private record Draining(boolean draining) {}

  /** {@code POST /admin/tokens}' answer: the token, its id and its expiry in epoch seconds. */
  private record Minted(String token, String jti, long expiresAt) {}

  /**
   * {@code DELETE /admin/tokens/{jti}}'s answer: revoked until (epoch seconds), and whether the
   * revocation reached a majority of nodes.
   */
  private record Revoked(String jti, long revokedUntil, boolean replicated) {}

  /** Runs {@code work} once the caller is shown to be an admin; 401/403/503 JSON otherwise. */
  private Route asAdmin(Function<HttpRequest, CompletionStage<HttpResponse>> work) {
    return extractRequest(
        request ->
            completeWithFuture(
                access
                    .authenticateAdmin(request)
                    .thenCompose(grants -> work.apply(request))
                    .exceptionally(ApiError::answerRejection)));
  }

  /**
   * Starts the node's coordinated shutdown, which drains it (see {@code crier.drain.window}),
   * leaves the cluster and ends the process.
   */
  private CompletionStage<HttpResponse> drain() {
    CoordinatedShutdown.get(system).run(AdminDrain.INSTANCE);
    return done(Json.response(StatusCodes.ACCEPTED, new Draining(true)));
  }

  /** Why the node shut down, in Pekko's coordinated shutdown. */
  private static final class AdminDrain implements CoordinatedShutdown.Reason {
    static final AdminDrain INSTANCE = new AdminDrain();
  }

  private CompletionStage<HttpResponse> mint(HttpRequest request) {
    if (tokens.minter().isEmpty()) {
      return done(
          new ApiError(
                  StatusCodes.NOT_IMPLEMENTED,
                  "no_signing_key",
                  "this node has no signing key (crier.auth.signing) and cannot mint tokens",
                  null)
              .toResponse());
    }
    return request
        .entity()
        .withSizeLimit(MAX_BODY_BYTES)
        .toStrict(BODY_TIMEOUT.toMillis(), Materializer.matFromSystem(system))
        .thenApply(strict -> minted(tokens, strict.getData().toArray()));
  }

  private static HttpResponse minted(TokenAdmin tokens, byte[] body) {
    JsonNode json;
    try {
      json = Json.MAPPER.readTree(body);
    } catch (IOException e) {
      return ApiError.badRequest("invalid_json", "body is not JSON").toResponse();
    }
    try {
      if (json == null || !json.isObject()) {
        throw invalid("body must be a JSON object");
      }
      Duration ttl = ttl(json.path("ttlSeconds"), tokens.maxTtl());
      TokenMinter.Minted minted =
          tokens
              .minter()
              .orElseThrow()
              .mint(
                  text(json, "sub"),
                  patterns(json, "subscribe"),
                  patterns(json, "publish"),
                  bool(json, "admin"),
                  text(json, "tenant"),
                  ttl);
      return Json.response(
          StatusCodes.CREATED,
          new Minted(minted.token(), minted.tokenId(), minted.expiresAt().getEpochSecond()));
    } catch (ApiError.Rejection rejection) {
      return rejection.error().toResponse();
    }
  }

  private static Duration ttl(JsonNode ttlSeconds, Duration max) {
    if (ttlSeconds.isMissingNode()) {
      return DEFAULT_TTL.compareTo(max) < 0 ? DEFAULT_TTL : max;
    }
    if (!ttlSeconds.canConvertToLong() || ttlSeconds.asLong() < 1) {
      throw invalid("ttlSeconds must be a whole number of seconds >= 1");
    }
    if (ttlSeconds.asLong() > max.toSeconds()) {
      throw invalid(
          "ttlSeconds must be at most " + max.toSeconds() + " (crier.auth.signing.max-ttl)");
    }
    return Duration.ofSeconds(ttlSeconds.asLong());
  }

  private static String text(JsonNode json, String field) {
    JsonNode value = json.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return null;
    }
    if (!value.isTextual() || value.asText().isEmpty()) {
      throw invalid(field + " must be a non-empty string");
    }
    return value.asText();
  }

  private static boolean bool(JsonNode json, String field) {
    JsonNode value = json.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return false;
    }
    if (!value.isBoolean()) {
      throw invalid(field + " must be true or false");
    }
    return value.asBoolean();
  }

  private static List<String> patterns(JsonNode json, String field) {
    JsonNode value = json.path(field);
    List<String> out = new ArrayList<>();
    if (value.isMissingNode() || value.isNull()) {
      return out;
    }
    if (!value.isArray()) {
      throw invalid(field + " must be an array of topics or patterns");
    }
    for (JsonNode item : value) {
      try {
        out.add(TopicPattern.parse(item.isTextual() ? item.asText() : "").toString());
      } catch (InvalidTopicException e) {
        throw invalid(field + " holds a bad topic pattern: " + e.getMessage());
      }
    }
    return out;
  }

  private CompletionStage<HttpResponse> revoke(HttpRequest request, String tokenId) {
    Instant expiresAt;
    try {
      expiresAt = expiresAt(request.getUri().query().get("expiresAt"));
    } catch (ApiError.Rejection rejection) {
      return done(rejection.error().toResponse());
    }
    return tokens
        .revoke(tokenId, expiresAt)
        .thenApply(
            revoked ->
                Json.response(
                    StatusCodes.OK,
                    new Revoked(
                        revoked.tokenId(),
                        revoked.expiresAt().getEpochSecond(),
                        revoked.replicated())));
  }

  private static Instant expiresAt(Optional<String> epochSeconds) {
    if (epochSeconds.isEmpty()) {
      return null;
    }
    try {
      return Instant.ofEpochSecond(Long.parseLong(epochSeconds.get()));
    } catch (NumberFormatException e) {
      throw ApiError.badRequest("invalid_expires_at", "expiresAt must be epoch seconds")
          .rejection();
    }
  }

  private static ApiError.Rejection invalid(String message) {
    return ApiError.badRequest("invalid_token_request", message).rejection();
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }
}
