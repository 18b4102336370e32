package dev.crier.node.auth;

/**
 * A credential that is refused; the message is safe to show the client and never holds the token.
 */
public final class AuthException extends RuntimeException {

  public AuthException(String message) {
    super(message, null, false, false);
  }
}
