package dev.crier.node.http;

import dev.crier.node.auth.AuthException;
import dev.crier.node.auth.Grants;
import dev.crier.node.auth.JwtVerifier;
import org.apache.pekko.http.javadsl.model.HttpRequest;

/** Authenticates requests at the edge: token lookup, verification, and the 401 that follows. */
public record Access(JwtVerifier verifier, ResponseCounters counters) {

  /** The grants of the request's token; throws a 401 rejection when there is none or it is bad. */
  public Grants authenticate(HttpRequest request) {
    String token = RequestToken.of(request).orElse(null);
    if (token == null) {
      counters.authFailure();
      throw ApiError.unauthorized("missing bearer token").rejection();
    }
    try {
      return verifier.verify(token);
    } catch (AuthException e) {
      counters.authFailure();
      throw ApiError.unauthorized(e.getMessage()).rejection();
    }
  }
}
