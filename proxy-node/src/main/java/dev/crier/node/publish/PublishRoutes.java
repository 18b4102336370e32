package dev.crier.node.publish;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.crier.node.auth.AccessRequest;
import dev.crier.node.http.Access;
import dev.crier.node.http.ApiError;
import dev.crier.node.http.Json;
import dev.crier.node.http.PathTopic;
import dev.crier.node.http.QueryParameters;
import dev.crier.node.http.RequestBody;
import dev.crier.node.topic.TopicEvent;
import dev.crier.node.topic.TopicOwner;
import dev.crier.node.topic.TopicOwners;
import dev.crier.protocol.cursor.InvalidCursorException;
import dev.crier.protocol.cursor.Position;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatcher0;
import org.apache.pekko.http.javadsl.server.PathMatcher1;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code POST /topics/{topic}/events}, {@code POST /publish} and {@code GET
 * /topics/{topic}/events}: validates and authorizes at the edge, then asks each topic's owner to
 * sequence (or read) and answers once it has.
 */
public final class PublishRoutes extends AllDirectives {
  /**
   * The {@code /events} that ends a topic's path, written backwards as {@code pathSuffix} matches
   * (the segment, then the slash before it).
   */
  private static final PathMatcher0 EVENTS = PathMatchers.segment("events").slash();

  /**
   * The id of {@code /topics/{topic}/events/{id}}: one segment, never {@code events}, so that a
   * path that also reads as {@code /topics/{topic}/events} (a topic ending in {@code /events}) is
   * always that route: {@code DELETE /topics/a/events/events} is 405, not a cancel.
   */
  private static final PathMatcher1<String> EVENT_ID =
      PathMatchers.segment(Pattern.compile("(?!events$).+"));

  private static final int DEFAULT_HISTORY_LIMIT = 100;

  private final PublishSettings settings;
  private final int historyLimit;
  private final Access access;
  private final TopicOwners owners;
  private final Publisher publisher;
  private final EventRequests requests;

  public PublishRoutes(
      PublishSettings settings,
      int historyLimit,
      Access access,
      TopicOwners owners,
      Publisher publisher,
      Clock clock) {
    this.settings = settings;
    this.historyLimit = historyLimit;
    this.access = access;
    this.owners = owners;
    this.publisher = publisher;
    this.requests = new EventRequests(settings, clock);
  }

  public Route route() {
    return concat(
        path("publish", () -> post(() -> extractRequest(this::publishBatch))),
        pathPrefix(
            "topics",
            () ->
                concat(
                    pathSuffix(
                        EVENTS,
                        () ->
                            topicPath(
                                topic ->
                                    extractRequest(
                                        request ->
                                            concat(
                                                post(() -> publishOne(request, topic)),
                                                get(
                                                    () ->
                                                        answer(() -> history(request, topic))))))),
                    pathSuffix(
                        EVENT_ID.slash(EVENTS),
                        id ->
                            topicPath(
                                topic ->
                                    delete(
                                        () ->
                                            extractRequest(
                                                request ->
                                                    answer(() -> cancel(request, topic, id)))))))));
  }

  /**
   * What is left of the path once its suffix is matched, after a slash, as a non-empty topic:
   * topics may hold '/', so the topic is everything between {@code /topics/} and its suffix.
   */
  private Route topicPath(Function<String, Route> inner) {
    return path(PathTopic.REMAINING, topic -> topic.isEmpty() ? reject() : inner.apply(topic));
  }

  private CompletionStage<HttpResponse> cancel(HttpRequest request, String topic, String id) {
    String valid = EventRequests.topic(topic);
    return access
        .authenticate(request, AccessRequest.publish(List.of(valid)))
        .thenCompose(
            grants -> {
              if (!grants.mayPublish(valid)) {
                throw ApiError.forbidden("token does not grant publish to topic " + valid)
                    .rejection();
              }
              return cancelAuthorized(valid, id);
            });
  }

  private CompletionStage<HttpResponse> cancelAuthorized(String valid, String id) {
    if (!id.startsWith(TopicOwner.SCHEDULE_ID_PREFIX)) {
      return CompletableFuture.completedFuture(
          new ApiError(
                  StatusCodes.CONFLICT,
                  "not_scheduled",
                  "only scheduled events can be cancelled; " + id + " is not a schedule id",
                  null)
              .toResponse());
    }
    return owners
        .<TopicOwner.CancelResult>ask(
            valid, replyTo -> new TopicOwner.Cancel(id, replyTo), settings.timeout())
        .thenApply(
            result ->
                switch (result) {
                  case CANCELLED -> HttpResponse.create().withStatus(StatusCodes.NO_CONTENT);
                  case ALREADY_DELIVERED ->
                      new ApiError(
                              StatusCodes.CONFLICT,
                              "already_delivered",
                              "scheduled event " + id + " was already delivered",
                              null)
                          .toResponse();
                  case UNKNOWN ->
                      new ApiError(
                              StatusCodes.NOT_FOUND,
                              "unknown_event",
                              "no scheduled event " + id + " on topic " + valid,
                              null)
                          .toResponse();
                });
  }

  private Route publishOne(HttpRequest request, String topic) {
    return withBody(
        request,
        settings.maxBytes(),
        body -> {
          String valid = EventRequests.topic(topic);
          TopicOwner.Draft draft =
              requests.raw(
                  body,
                  header(request, "Crier-Event-Type"),
                  header(request, "Crier-Idempotency-Key"),
                  header(request, "Crier-Deliver-At"));
          return access
              .authenticate(request, AccessRequest.publish(List.of(valid)))
              .thenCompose(
                  grants -> publisher.publish(grants, List.of(new Publisher.Event(valid, draft))))
              .thenApply(outcome -> answer(outcome, false));
        });
  }

  private Route publishBatch(HttpRequest request) {
    return withBody(
        request,
        settings.maxBatchBytes(),
        body -> {
          EventRequests.Batch batch = requests.batch(body);
          List<String> topics =
              batch.items().stream().map(Publisher.Event::topic).distinct().toList();
          return access
              .authenticate(request, AccessRequest.publish(topics))
              .thenCompose(grants -> publisher.publish(grants, batch.items()))
              .thenApply(outcome -> answer(outcome, batch.array()));
        });
  }

  /** 201 with the answer (an array for a batch sent as one), or the refusal's error. */
  private static HttpResponse answer(Publisher.Outcome outcome, boolean array) {
    if (outcome instanceof Publisher.Outcome.Refused refused) {
      return ApiError.of(refused.refusal()).toResponse();
    }
    return Json.response(
        StatusCodes.CREATED, AcceptedEvent.answer((Publisher.Outcome.Accepted) outcome, array));
  }

  /** A page of a topic's history: {@code reset} when events after the cursor were lost. */
  private record History(String topic, List<HistoryEvent> events, String lastId, boolean reset) {}

  /** An event of a history page; {@code type} only when it has one. */
  private record HistoryEvent(
      String id,
      @JsonInclude(JsonInclude.Include.NON_NULL) String type,
      String data,
      long publishedAt) {
    static HistoryEvent of(TopicEvent e) {
      return new HistoryEvent(e.position().toString(), e.type(), e.data(), e.publishedAtMillis());
    }
  }

  private CompletionStage<HttpResponse> history(HttpRequest request, String topic) {
    String valid = EventRequests.topic(topic);
    Position after = afterParameter(request);
    int limit = limitParameter(request);
    return access
        .authenticate(request, AccessRequest.subscribe(List.of(valid)))
        .thenCompose(
            grants -> {
              if (!grants.maySubscribe(valid)) {
                throw ApiError.forbidden("token does not grant subscribe to topic " + valid)
                    .rejection();
              }
              return readHistory(valid, after, limit);
            });
  }

  private CompletionStage<HttpResponse> readHistory(String valid, Position after, int limit) {
    return owners
        .<TopicOwner.Slice>ask(
            valid, replyTo -> new TopicOwner.Read(after, limit, limit, replyTo), settings.timeout())
        .thenApply(
            slice ->
                Json.response(
                    StatusCodes.OK,
                    new History(
                        valid,
                        slice.events().stream().map(HistoryEvent::of).toList(),
                        slice.head().toString(),
                        after != null && slice.continuityLost())));
  }

  private static Position afterParameter(HttpRequest request) {
    Optional<String> after = request.getUri().query().get("after");
    if (after.isEmpty() || after.get().isEmpty()) {
      return null;
    }
    try {
      return Position.parse(after.get());
    } catch (InvalidCursorException e) {
      throw ApiError.badRequest("invalid_cursor", e.getMessage()).rejection();
    }
  }

  private int limitParameter(HttpRequest request) {
    int limit =
        QueryParameters.wholeNumber(request, "limit", 1, DEFAULT_HISTORY_LIMIT, "invalid_limit");
    return Math.min(limit, historyLimit);
  }

  /**
   * Reads the whole body (413 beyond {@code maxBytes}) and answers with what {@code handler} makes
   * of it.
   */
  private Route withBody(
      HttpRequest request, int maxBytes, Function<byte[], CompletionStage<HttpResponse>> handler) {
    return extractMaterializer(
        materializer ->
            answer(
                () ->
                    RequestBody.strict(request, maxBytes, settings.timeout(), materializer)
                        .thenCompose(body -> handler.apply(body))));
  }

  /**
   * Completes with the response; a refusal thrown at the edge, or a failed answer, is mapped to its
   * JSON error by the listener's one handler (HttpServer).
   */
  private Route answer(Supplier<CompletionStage<HttpResponse>> work) {
    return completeWithFuture(work.get());
  }

  private static String header(HttpRequest request, String name) {
    return request.getHeader(name).map(h -> h.value()).orElse(null);
  }
}
