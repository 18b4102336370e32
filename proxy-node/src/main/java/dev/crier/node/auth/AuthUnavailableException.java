package dev.crier.node.auth;

/**
 * A token that could not be checked right now (the auth webhook or key set is out): answered with
 * 503 and Retry-After, never with 401, since the token may well be good.
 */
public final class AuthUnavailableException extends RuntimeException {

  public AuthUnavailableException(String message) {
    super(message, null, false, false);
  }
}
