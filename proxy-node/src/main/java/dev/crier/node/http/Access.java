package dev.crier.node.http;

import dev.crier.node.Refusal;
import dev.crier.node.auth.AccessRequest;
import dev.crier.node.auth.Authenticator;
import dev.crier.node.auth.Grants;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpRequest;

/**
 * Authenticates requests at the edge: finds the token, has the {@link Authenticator} check it, and
 * fails with the refusal {@link Authenticator#refusal} names (answered by {@link ApiError#of}: 401,
 * 503 when the token cannot be checked right now, 403 when it does not grant what is asked),
 * counting each refused credential.
 *
 * @param adminSecret a static bearer credential that the admin routes also accept, or ""
 */
public record Access(Authenticator authenticator, String adminSecret, ResponseCounters counters) {
  private static final Grants STATIC_ADMIN =
      new Grants("admin-secret", null, Instant.MAX, List.of(), List.of(), true, null);

  /** The request's grants; fails with a 401 or 503 rejection. */
  public CompletionStage<Grants> authenticate(HttpRequest request, AccessRequest intent) {
    return authenticate(RequestToken.of(request), intent);
  }

  /**
   * The grants of a token presented some other way (a WebSocket's first frame); fails with a 401 or
   * 503 rejection.
   */
  public CompletionStage<Grants> authenticate(Optional<String> token, AccessRequest intent) {
    return authenticator
        .authenticate(token, intent)
        .handle(
            (grants, failure) -> {
              if (failure == null) {
                return grants;
              }
              throw rejection(failure, token.isPresent());
            });
  }

  /** The grants of an admin caller: an admin token or the static admin secret; else 401/403. */
  public CompletionStage<Grants> authenticateAdmin(HttpRequest request) {
    Optional<String> token = RequestToken.of(request);
    if (token.isPresent() && isAdminSecret(token.get())) {
      return CompletableFuture.completedFuture(STATIC_ADMIN);
    }
    return authenticate(request, AccessRequest.admin())
        .thenApply(
            grants -> {
              if (!grants.admin()) {
                throw ApiError.of(Refusal.forbidden("token is not an admin token")).rejection();
              }
              return grants;
            });
  }

  private boolean isAdminSecret(String token) {
    return !adminSecret.isEmpty()
        && MessageDigest.isEqual(
            adminSecret.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
  }

  /** The failure's refusal; a refused credential counts, a verifier that is out does not. */
  private ApiError.Rejection rejection(Throwable failure, boolean tokenPresented) {
    Refusal refusal = Authenticator.refusal(failure, tokenPresented);
    if (refusal.kind() != Refusal.Kind.UNAVAILABLE) {
      counters.authFailure();
    }
    return ApiError.of(refusal).rejection();
  }
}
