package dev.crier.node.channel;

import dev.crier.node.Refusal;
import dev.crier.node.Timeouts;
import dev.crier.node.auth.AccessRequest;
import dev.crier.node.auth.Grants;
import dev.crier.node.http.Access;
import dev.crier.node.http.ApiError;
import dev.crier.node.http.ClientAddress;
import dev.crier.node.http.ClientHangUp;
import dev.crier.node.http.Json;
import dev.crier.node.http.LastEventId;
import dev.crier.node.http.PathTopic;
import dev.crier.node.http.RequestBody;
import dev.crier.node.limits.Limits;
import dev.crier.node.subscribe.Connections;
import dev.crier.node.subscribe.DisconnectReason;
import dev.crier.node.subscribe.EventStreams;
import dev.crier.node.subscribe.Opened;
import dev.crier.node.subscribe.Transport;
import dev.crier.protocol.topic.TopicName;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;

/**
 * {@code POST /channels}, {@code POST /channels/{producerAddress}/{streamId}}, {@code GET
 * /channels/{consumerAddress}} and {@code DELETE /channels/{producerAddress}}: checks the request,
 * then asks the channel. An address that opens no channel is a 404, the same whether the channel
 * never existed, has closed, or the address is the other one of the pair.
 */
public final class ChannelRoutes extends AllDirectives {
  private static final Pattern CURSOR = Pattern.compile("[0-9]{1,18}");
  private static final int MAX_KEY_LENGTH = 256;
  private static final SecureRandom READER_IDS = new SecureRandom();

  private final Channels channels;
  private final ChannelSettings settings;
  private final Access access;
  private final Limits limits;
  private final Connections connections;
  private final Clock clock;

  public ChannelRoutes(
      Channels channels, Access access, Limits limits, Connections connections, Clock clock) {
    this.channels = channels;
    this.settings = channels.settings();
    this.access = access;
    this.limits = limits;
    this.connections = connections;
    this.clock = clock;
  }

  private record CreatedBody(String producerAddress, String consumerAddress, long expiresAt) {}

  private record WrittenBody(String id, String streamId) {}

  public Route route() {
    return pathPrefix(
        "channels",
        () ->
            extractRequest(
                request ->
                    concat(
                        pathEnd(() -> post(() -> completeWithFuture(create(request)))),
                        pathPrefix(
                            PathMatchers.segment(),
                            address ->
                                concat(
                                    pathEnd(
                                        () ->
                                            concat(
                                                get(
                                                    () ->
                                                        completeWithFuture(read(request, address))),
                                                delete(() -> completeWithFuture(delete(address))))),
                                    post(
                                        () ->
                                            path(
                                                PathTopic.REMAINING,
                                                streamId ->
                                                    extractMaterializer(
                                                        materializer ->
                                                            completeWithFuture(
                                                                write(
                                                                    request,
                                                                    address,
                                                                    streamId,
                                                                    materializer))))))))));
  }

  private CompletionStage<HttpResponse> create(HttpRequest request) {
    CompletionStage<Grants> creator =
        settings.tokenRequired()
            ? access
                .authenticate(request, AccessRequest.channels())
                .thenApply(
                    grants -> {
                      if (!grants.channels()) {
                        throw ApiError.forbidden(
                                "token does not grant creating channels (the crier.channels claim)")
                            .rejection();
                      }
                      return grants;
                    })
            : CompletableFuture.completedFuture(Grants.none());
    return creator.thenCompose(
        grants -> {
          Optional<Refusal> limited =
              limits.admitChannelCreate(
                  grants.subject(),
                  ClientAddress.of(request),
                  settings.createRate(),
                  settings.createBurst());
          if (limited.isPresent()) {
            return CompletableFuture.completedFuture(ApiError.of(limited.get()).toResponse());
          }
          long expiresAt = clock.instant().plus(settings.ttl()).getEpochSecond();
          return channels
              .create()
              .handle(
                  (minted, failure) -> {
                    if (failure != null) {
                      throw unavailable(failure);
                    }
                    return Json.response(
                        StatusCodes.CREATED,
                        new CreatedBody(
                            minted.producerAddress(), minted.consumerAddress(), expiresAt));
                  });
        });
  }

  private CompletionStage<HttpResponse> write(
      HttpRequest request, String rawAddress, String streamId, Materializer materializer) {
    ChannelAddress producer = address(rawAddress);
    if (!TopicName.isValid(streamId) || streamId.startsWith("crier.")) {
      throw ApiError.badRequest(
              "invalid_stream_id",
              "a stream id follows the rules of topic names ("
                  + TopicName.RULE
                  + ") and does not start with crier., which Crier's own events use")
          .rejection();
    }
    String key = request.getHeader("Crier-Idempotency-Key").map(h -> h.value()).orElse(null);
    if (key != null && (key.isEmpty() || key.length() > MAX_KEY_LENGTH)) {
      throw ApiError.badRequest(
              "invalid_idempotency_key", "idempotency key must be 1-" + MAX_KEY_LENGTH + " chars")
          .rejection();
    }
    return RequestBody.strict(
            request, settings.maxMessageBytes(), settings.bodyTimeout(), materializer)
        .thenCompose(
            body ->
                channels.write(
                    producer, streamId, RequestBody.utf8(body, "invalid_body", "a message"), key))
        .handle(
            (outcome, failure) -> {
              if (failure != null && Timeouts.anywhereIn(failure)) {
                // The channel may have stored it before its answer was lost.
                throw ApiError.of(
                        Refusal.outcomeUnknown(
                            "the channel did not answer in time; the message may or may not be"
                                + " stored: write it again with the same Crier-Idempotency-Key"
                                + " to store it once"))
                    .rejection();
              }
              if (failure != null) {
                throw unavailable(failure);
              }
              return switch (outcome.status()) {
                case WRITTEN ->
                    Json.response(
                        StatusCodes.CREATED,
                        new WrittenBody(Long.toString(outcome.seq()), streamId));
                case FULL ->
                    ApiError.unavailable(
                            "channel_full",
                            "the channel's buffer stayed full for "
                                + settings.writeTimeout()
                                + "; its reader is not keeping up",
                            1)
                        .toResponse();
                case UNKNOWN -> notFound().toResponse();
                case MOVING ->
                    ApiError.unavailable(
                            "channel_unavailable", "the channel is moving to another node", 1)
                        .toResponse();
              };
            });
  }

  private CompletionStage<HttpResponse> read(HttpRequest request, String rawAddress) {
    ChannelAddress consumer = address(rawAddress);
    long after = cursor(request);
    CompletableFuture<DisconnectReason> ended = new CompletableFuture<>();
    Opened opened =
        connections.admit(
            Transport.CHANNEL, Grants.none(), ClientAddress.of(request), ended::complete);
    if (opened instanceof Opened.Refused refused) {
      return CompletableFuture.completedFuture(ApiError.of(refused.refusal()).toResponse());
    }
    long id = ((Opened.Admitted) opened).id();
    ClientHangUp.of(request)
        .thenRun(
            () -> {
              ended.complete(DisconnectReason.CLIENT_GONE);
              connections.closed(id, null);
            });
    long readerId = READER_IDS.nextLong();
    return channels
        .read(consumer, readerId, after, true)
        .handle(
            (outcome, failure) -> {
              if (failure != null || outcome.status() != Channel.ReadStatus.MESSAGES) {
                connections.closed(id, failure);
                if (failure != null) {
                  throw unavailable(failure);
                }
              }
              return switch (outcome.status()) {
                case MESSAGES ->
                    EventStreams.response(
                        new ChannelReader(channels, consumer, readerId, ended)
                            .source(after, outcome)
                            .watchTermination(
                                (notUsed, done) -> {
                                  done.whenComplete(
                                      (d, streamFailure) -> {
                                        connections.closed(id, streamFailure);
                                        channels.leave(consumer, readerId);
                                      });
                                  return notUsed;
                                }));
                case INVALID_CURSOR ->
                    ApiError.badRequest(
                            "invalid_cursor",
                            "Last-Event-ID " + after + " is beyond the channel's newest message")
                        .toResponse();
                default -> notFound().toResponse();
              };
            });
  }

  private CompletionStage<HttpResponse> delete(String rawAddress) {
    ChannelAddress producer = address(rawAddress);
    return channels
        .delete(producer)
        .handle(
            (deleted, failure) -> {
              if (failure != null) {
                throw unavailable(failure);
              }
              return deleted.deleted()
                  ? HttpResponse.create().withStatus(StatusCodes.NO_CONTENT)
                  : notFound().toResponse();
            });
  }

  private static ChannelAddress address(String raw) {
    return ChannelAddress.parse(raw)
        .orElseThrow(
            () ->
                ApiError.badRequest(
                        "invalid_address",
                        "a channel address is "
                            + ChannelAddress.LENGTH
                            + " characters of A-Z, a-z, 0-9, - and _")
                    .rejection());
  }

  /** The reader's {@code Last-Event-ID} (or {@code ?lastEventId=}), or -1 for none. */
  private static long cursor(HttpRequest request) {
    Optional<String> cursor = LastEventId.of(request);
    if (cursor.isEmpty() || cursor.get().isEmpty()) {
      return -1;
    }
    if (!CURSOR.matcher(cursor.get()).matches()) {
      throw ApiError.badRequest(
              "invalid_cursor",
              "a channel's Last-Event-ID is the decimal id of one of its messages")
          .rejection();
    }
    return Long.parseLong(cursor.get());
  }

  private static ApiError notFound() {
    return new ApiError(
        StatusCodes.NOT_FOUND, "channel_not_found", "no open channel has this address", null);
  }

  /**
   * The failure to answer with: a channel that did not answer in time is a 503; anything else (the
   * client's own rejection, an error) goes to the listener's handler as it is.
   */
  private static CompletionException unavailable(Throwable failure) {
    if (!Timeouts.anywhereIn(failure)) {
      return failure instanceof CompletionException c ? c : new CompletionException(failure);
    }
    return new CompletionException(
        ApiError.unavailable("channel_unavailable", "the channel did not answer in time", 1)
            .rejection());
  }
}
