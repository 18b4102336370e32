package dev.crier.node.http;

import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpRequest;

/** Reads query parameters at the edge, answering 400 with the parameter's rule when malformed. */
public final class QueryParameters {
  private QueryParameters() {}

  /**
   * A whole number of at least {@code min}, or {@code absent} when the parameter is missing.
   *
   * @param code the error code of the 400 answer, e.g. {@code invalid_limit}
   */
  public static int wholeNumber(
      HttpRequest request, String name, int min, int absent, String code) {
    Optional<String> text = request.getUri().query().get(name);
    if (text.isEmpty()) {
      return absent;
    }
    try {
      int value = Integer.parseInt(text.get());
      if (value >= min) {
        return value;
      }
    } catch (NumberFormatException e) {
      // answered below, like a number below min
    }
    throw ApiError.badRequest(code, name + " must be a whole number >= " + min).rejection();
  }
}
