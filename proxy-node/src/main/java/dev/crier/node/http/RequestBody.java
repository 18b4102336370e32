package dev.crier.node.http;

import dev.crier.node.Timeouts;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.stream.Materializer;

/** Reading a request's whole body at the edge, with the errors a client is owed. */
public final class RequestBody {
  private RequestBody() {}

  /**
   * The body, at most {@code maxBytes} (longer: 413, through {@link ApiError#forFailure}); one that
   * does not arrive within {@code timeout} is the client's 408.
   */
  public static CompletionStage<byte[]> strict(
      HttpRequest request, int maxBytes, Duration timeout, Materializer materializer) {
    return request
        .entity()
        .withSizeLimit(maxBytes)
        .toStrict(timeout.toMillis(), materializer)
        .handle(
            (strict, failure) -> {
              if (failure == null) {
                return strict.getData().toArray();
              }
              // The client's slowness, not the node's: a 503 would send it to retry what it never
              // finished sending.
              if (Timeouts.anywhereIn(failure)) {
                throw new ApiError(
                        StatusCodes.REQUEST_TIMEOUT,
                        "request_timeout",
                        "the request body did not arrive within " + timeout,
                        null)
                    .rejection();
              }
              throw failure instanceof CompletionException c ? c : new CompletionException(failure);
            });
  }

  /** The body as UTF-8 text; anything else is a 400 with {@code code}. */
  public static String utf8(byte[] body, String code, String what) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body))
          .toString();
    } catch (CharacterCodingException e) {
      throw ApiError.badRequest(code, what + " must be UTF-8 text").rejection();
    }
  }
}
