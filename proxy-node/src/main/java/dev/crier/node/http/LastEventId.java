package dev.crier.node.http;

import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpRequest;

/**
 * The position a stream's client resumes after: the {@code Last-Event-ID} header EventSource sends
 * when it reconnects, or {@code ?lastEventId=} given by hand.
 */
public final class LastEventId {
  private LastEventId() {}

  public static Optional<String> of(HttpRequest request) {
    return request
        .getHeader("Last-Event-ID")
        .map(h -> h.value().trim())
        .or(() -> request.getUri().query().get("lastEventId"));
  }
}
