package dev.crier.node.subscribe;

import dev.crier.node.auth.AccessRequest;
import dev.crier.node.auth.Grants;
import dev.crier.node.http.Access;
import dev.crier.node.http.ApiError;
import dev.crier.node.http.ClientAddress;
import dev.crier.node.http.ClientHangUp;
import dev.crier.node.http.LastEventId;
import dev.crier.node.http.PathTopic;
import dev.crier.node.http.QueryParameters;
import dev.crier.protocol.cursor.CursorCodec;
import dev.crier.protocol.cursor.Position;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /events/{topic}} and {@code GET /events?topic=…}: checks the request, then answers
 * with the stream {@link Connections} opens for it.
 */
public final class SubscribeRoutes extends AllDirectives {
  private final SubscribeSettings settings;
  private final int maxReplay;
  private final Access access;
  private final Connections connections;

  public SubscribeRoutes(
      SubscribeSettings settings, int maxReplay, Access access, Connections connections) {
    this.settings = settings;
    this.maxReplay = maxReplay;
    this.access = access;
    this.connections = connections;
  }

  /**
   * {@code /events} names its topics in the query; {@code /events/{topic}} names one in the path,
   * where everything after {@code /events/} is the topic, slashes included.
   */
  public Route route() {
    return pathPrefix(
        "events",
        () ->
            get(
                () ->
                    extractRequest(
                        request ->
                            concat(
                                pathEnd(() -> subscribe(request, List.of())),
                                path(
                                    PathTopic.REMAINING,
                                    topic -> subscribe(request, List.of(topic)))))));
  }

  private Route subscribe(HttpRequest request, List<String> pathTopics) {
    CursorCodec codec;
    Position[] resume;
    int replay;
    try {
      codec = new CursorCodec(topics(request, pathTopics));
      resume = resumePositions(request, codec);
      replay = replay(request);
    } catch (ApiError.Rejection rejection) {
      return complete(rejection.error().toResponse());
    }
    return completeWithFuture(
        access
            .authenticate(request, AccessRequest.subscribe(codec.topics()))
            // A refusal fails the stage with its rejection: the listener's exception handler
            // (HttpServer) answers it.
            .thenCompose(grants -> open(request, grants, codec, resume, replay)));
  }

  private CompletableFuture<HttpResponse> open(
      HttpRequest request, Grants grants, CursorCodec codec, Position[] resume, int replay) {
    SubscriptionRequests.granted(grants, codec.topics());
    return connections
        .open(grants, ClientAddress.of(request), codec, resume, replay, ClientHangUp.of(request))
        .thenApply(SubscribeRoutes::answer);
  }

  private static HttpResponse answer(Opened opened) {
    if (opened instanceof Opened.Refused refused) {
      return ApiError.of(refused.refusal()).toResponse();
    }
    SubscriberStream stream = ((Opened.Stream) opened).stream();
    return EventStreams.response(stream.source());
  }

  private List<String> topics(HttpRequest request, List<String> pathTopics) {
    List<String> queried = request.getUri().query().getAll("topic");
    if (!pathTopics.isEmpty() && !queried.isEmpty()) {
      // Taking one and ignoring the other would leave the client waiting for a topic it never gets.
      throw ApiError.badRequest(
              "invalid_topic",
              "name the topics in the path (/events/{topic}) or as ?topic=, not both")
          .rejection();
    }
    return SubscriptionRequests.topics(
        pathTopics.isEmpty() ? queried : pathTopics, settings.maxTopics());
  }

  private static Position[] resumePositions(HttpRequest request, CursorCodec codec) {
    Optional<String> cursor = LastEventId.of(request);
    return SubscriptionRequests.resume(codec, cursor.orElse(null));
  }

  private int replay(HttpRequest request) {
    return Math.min(
        QueryParameters.wholeNumber(request, "replay", 0, 0, "invalid_replay"), maxReplay);
  }
}
