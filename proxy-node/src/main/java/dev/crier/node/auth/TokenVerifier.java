package dev.crier.node.auth;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** One way of checking a bearer token; the {@link Authenticator} tries them in configured order. */
public interface TokenVerifier {

  /** The name metrics and logs use ({@code jwt}, {@code webhook}). */
  String name();

  /**
   * Empty when the token is not for this verifier (not a JWT, no key for its {@code kid} or
   * algorithm), so the next one is tried; else the grants, or a stage failed with {@link
   * AuthException} (refused) or {@link AuthUnavailableException} (cannot decide now).
   */
  Optional<CompletionStage<Grants>> verify(String token, AccessRequest request);
}
