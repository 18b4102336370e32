package dev.crier.node;

/**
 * Why a feature said no, in no transport's terms: what kind of no, a stable machine-readable code
 * (the API's error codes), a message for people, and when trying again may help. The HTTP edge maps
 * it to a status and a JSON body in one place ({@code http/ApiError.of}); the bridge counts it
 * under its code.
 *
 * @param retryAfterSeconds when a retry may succeed, or null when the same request never will
 */
public record Refusal(Kind kind, String code, String message, Integer retryAfterSeconds) {

  /** The kinds of no; each maps to one HTTP status. */
  public enum Kind {
    /** No credential was presented and the request needs one (401, a bare challenge). */
    UNAUTHENTICATED,
    /**
     * The credential presented is refused: malformed, badly signed, expired or revoked (401, the
     * challenge says {@code invalid_token}).
     */
    BAD_CREDENTIAL,
    /** The request itself is malformed or out of range (400). */
    INVALID,
    /** The token does not grant what is asked (403). */
    FORBIDDEN,
    /** Too large to take at all (413). */
    TOO_LARGE,
    /** A per-client limit: the same request succeeds later (429). */
    LIMITED,
    /** The node or a dependency cannot take it now; nothing was done (503). */
    UNAVAILABLE,
    /** No answer in time: it may or may not have been done (504). */
    OUTCOME_UNKNOWN
  }

  public static Refusal invalid(String code, String message) {
    return new Refusal(Kind.INVALID, code, message, null);
  }

  public static Refusal unauthenticated(String message) {
    return new Refusal(Kind.UNAUTHENTICATED, "unauthorized", message, null);
  }

  public static Refusal badCredential(String message) {
    return new Refusal(Kind.BAD_CREDENTIAL, "unauthorized", message, null);
  }

  public static Refusal forbidden(String message) {
    return new Refusal(Kind.FORBIDDEN, "forbidden", message, null);
  }

  public static Refusal tooLarge(String message) {
    return new Refusal(Kind.TOO_LARGE, "payload_too_large", message, null);
  }

  public static Refusal limited(String code, String message, int retryAfterSeconds) {
    return new Refusal(Kind.LIMITED, code, message, retryAfterSeconds);
  }

  public static Refusal unavailable(String code, String message, int retryAfterSeconds) {
    return new Refusal(Kind.UNAVAILABLE, code, message, retryAfterSeconds);
  }

  /** Retrying with the same idempotency keys is safe either way. */
  public static Refusal outcomeUnknown(String message) {
    return new Refusal(Kind.OUTCOME_UNKNOWN, "outcome_unknown", message, 1);
  }
}
