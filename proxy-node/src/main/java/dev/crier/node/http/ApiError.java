package dev.crier.node.http;

import dev.crier.node.Refusal;
import dev.crier.node.Timeouts;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.scaladsl.model.EntityStreamException;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;

/**
 * An error answered before any stream starts: the HTTP status, a stable machine-readable code and a
 * message for people. Serialized as {@code {"error": code, "message": message}}.
 *
 * @param challenge the {@code WWW-Authenticate} value, or null for none
 */
public record ApiError(
    StatusCode status, String code, String message, Integer retryAfterSeconds, String challenge) {
  private static final String BEARER = "Bearer realm=\"crier\"";

  /** An error whose challenge follows from its status: a 401 asks for a bearer token. */
  public ApiError(StatusCode status, String code, String message, Integer retryAfterSeconds) {
    this(
        status,
        code,
        message,
        retryAfterSeconds,
        status.equals(StatusCodes.UNAUTHORIZED) ? BEARER : null);
  }

  /**
   * The one mapping of a feature's refusal to HTTP: its kind's status (and, for a 401, the {@code
   * WWW-Authenticate} challenge RFC 6750 (3.1) asks for: bare when no token was presented, {@code
   * invalid_token} when one was refused), its code, message and retry.
   */
  public static ApiError of(Refusal refusal) {
    StatusCode status =
        switch (refusal.kind()) {
          case INVALID -> StatusCodes.BAD_REQUEST;
          case UNAUTHENTICATED, BAD_CREDENTIAL -> StatusCodes.UNAUTHORIZED;
          case FORBIDDEN -> StatusCodes.FORBIDDEN;
          case TOO_LARGE -> StatusCodes.PAYLOAD_TOO_LARGE;
          case LIMITED -> StatusCodes.TOO_MANY_REQUESTS;
          case UNAVAILABLE -> StatusCodes.SERVICE_UNAVAILABLE;
          case OUTCOME_UNKNOWN -> StatusCodes.GATEWAY_TIMEOUT;
        };
    String challenge =
        switch (refusal.kind()) {
          case UNAUTHENTICATED -> BEARER;
          case BAD_CREDENTIAL -> BEARER + ", error=\"invalid_token\"";
          default -> null;
        };
    return new ApiError(
        status, refusal.code(), refusal.message(), refusal.retryAfterSeconds(), challenge);
  }

  public static ApiError badRequest(String code, String message) {
    return new ApiError(StatusCodes.BAD_REQUEST, code, message, null);
  }

  public static ApiError forbidden(String message) {
    return new ApiError(StatusCodes.FORBIDDEN, "forbidden", message, null);
  }

  public static ApiError tooLarge(String message) {
    return new ApiError(StatusCodes.PAYLOAD_TOO_LARGE, "payload_too_large", message, null);
  }

  public static ApiError unavailable(String code, String message, int retryAfterSeconds) {
    return new ApiError(StatusCodes.SERVICE_UNAVAILABLE, code, message, retryAfterSeconds);
  }

  /** The JSON body: both fields always, a null message as {@code null}. */
  private record Body(String error, String message) {}

  public HttpResponse toResponse() {
    HttpResponse response = Json.response(status, new Body(code, message));
    if (retryAfterSeconds != null) {
      response = response.addHeader(RawHeader.create("Retry-After", retryAfterSeconds.toString()));
    }
    if (challenge != null) {
      response = response.addHeader(RawHeader.create("WWW-Authenticate", challenge));
    }
    return response;
  }

  /** Thrown at the edge while reading a request; routes turn it into {@link #toResponse()}. */
  public static final class Rejection extends RuntimeException {
    private final ApiError error;

    public Rejection(ApiError error) {
      super(error.message(), null, false, false);
      this.error = error;
    }

    public ApiError error() {
      return error;
    }
  }

  public Rejection rejection() {
    return new Rejection(this);
  }

  /**
   * The error a {@link Rejection} anywhere in the failure's cause chain carries, if any; a body
   * longer than its route ({@code withSizeLimit}) or Pekko HTTP ({@code
   * pekko.http.server.parsing.max-content-length}) takes is the client's 413, not the node's 500.
   */
  private static Optional<ApiError> carriedBy(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof Rejection r) {
        return Optional.of(r.error());
      }
      if (cause instanceof EntityStreamSizeException tooLong) {
        return Optional.of(tooLarge("body exceeds " + tooLong.limit() + " bytes"));
      }
      // Pekko HTTP's own limit, for a declared length beyond it, has no type of its own.
      if (cause instanceof EntityStreamException broken
          && broken.info().summary().startsWith("Request too large")) {
        return Optional.of(tooLarge(broken.info().detail()));
      }
    }
    return Optional.empty();
  }

  /**
   * The one mapping of a failed request to its error: a {@link Rejection} or an oversize body
   * anywhere in the cause chain is its own error, an owner that did not answer in time is {@code
   * 503 owner_unavailable}; anything else is not the client's doing (empty).
   */
  public static Optional<ApiError> forFailure(Throwable failure) {
    Optional<ApiError> carried = carriedBy(failure);
    if (carried.isPresent() || !Timeouts.anywhereIn(failure)) {
      return carried;
    }
    return Optional.of(unavailable("owner_unavailable", "topic owner did not answer in time", 1));
  }

  /** The response for a failed stage that {@link #forFailure} maps; rethrows anything else. */
  public static HttpResponse answerRejection(Throwable failure) {
    return forFailure(failure)
        .map(ApiError::toResponse)
        .orElseThrow(
            () -> failure instanceof CompletionException c ? c : new CompletionException(failure));
  }
}
