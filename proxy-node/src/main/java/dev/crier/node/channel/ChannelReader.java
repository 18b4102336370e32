package dev.crier.node.channel;

import dev.crier.node.subscribe.DisconnectReason;
import dev.crier.node.subscribe.EventStreams;
import dev.crier.protocol.sse.SseEncoder;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * One reading connection's SSE stream of a channel: it asks the channel for what follows the last
 * id it wrote, one read at a time and only when the connection has taken the last answer, so a slow
 * reader holds back its channel (whose writers then wait) and never a node's memory. An answer with
 * nothing (after a heartbeat's time) is written as a heartbeat comment.
 *
 * <p>It ends with {@code event: crier.closed} when the channel is closed or gone, with {@code
 * event: crier.replaced} when another connection resumed the channel, and with a jittered {@code
 * retry:} when the node ends it ({@code ended}: a drain, or its client left).
 */
final class ChannelReader {
  static final String CLOSED_EVENT = "crier.closed";
  static final String REPLACED_EVENT = "crier.replaced";
  static final String RESET_EVENT = "crier.reset";

  /** Reads that may fail in a row (the channel moving) before the stream ends to be resumed. */
  private static final int MAX_FAILED_READS = 3;

  private final Channels channels;
  private final ChannelAddress consumer;
  private final long readerId;
  private final CompletableFuture<DisconnectReason> ended;
  private final long retryMillis;

  /** Where the stream is: the last id written, failed reads in a row, and whether it is done. */
  private record Step(long after, int failures, boolean done) {}

  ChannelReader(
      Channels channels,
      ChannelAddress consumer,
      long readerId,
      CompletableFuture<DisconnectReason> ended) {
    this.channels = channels;
    this.consumer = consumer;
    this.readerId = readerId;
    this.ended = ended;
    this.retryMillis = channels.settings().retry().toMillis();
  }

  /**
   * The stream of a reader that resumed after {@code after} (-1: none), starting with the first
   * read's answer. When the channel goes on after a later id (messages between were let go: they
   * left the resend window, or another reader resumed past them), it first says so with {@code
   * event: crier.reset} and {@code data: {"after": "<id>"}}.
   */
  Source<ByteString, NotUsed> source(long after, Channel.ReadOutcome first) {
    ByteString head = ByteString.fromArrayUnsafe(SseEncoder.retry(retryMillis));
    long from = Math.max(after, first.continuesAfter());
    if (after >= 0 && from > after) {
      head =
          head.concat(
              ByteString.fromArrayUnsafe(
                  SseEncoder.event(null, RESET_EVENT, "{\"after\":\"" + from + "\"}")));
    }
    List<ChannelMessage> messages = first.messages();
    head = head.concat(frames(messages));
    long next = messages.isEmpty() ? from : messages.get(messages.size() - 1).seq();
    return Source.single(head).concat(Source.unfoldAsync(new Step(next, 0, false), this::next));
  }

  private CompletionStage<Optional<Pair<Step, ByteString>>> next(Step step) {
    if (step.done()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    if (ended.isDone()) {
      return CompletableFuture.completedFuture(last(EventStreams.farewell(retryMillis)));
    }
    CompletableFuture<Channel.ReadOutcome> read =
        channels.read(consumer, readerId, step.after(), false).toCompletableFuture();
    return CompletableFuture.anyOf(read, ended)
        .handle(
            (answer, failure) -> {
              if (ended.isDone()) {
                return last(EventStreams.farewell(retryMillis));
              }
              if (failure != null) {
                return step.failures() + 1 >= MAX_FAILED_READS
                    ? last(EventStreams.farewell(retryMillis))
                    : Optional.of(
                        Pair.create(
                            new Step(step.after(), step.failures() + 1, false),
                            EventStreams.HEARTBEAT));
              }
              return answered(step, (Channel.ReadOutcome) answer);
            });
  }

  private Optional<Pair<Step, ByteString>> answered(Step step, Channel.ReadOutcome outcome) {
    return switch (outcome.status()) {
      case MESSAGES -> {
        List<ChannelMessage> messages = outcome.messages();
        if (messages.isEmpty()) {
          yield Optional.of(Pair.create(new Step(step.after(), 0, false), EventStreams.HEARTBEAT));
        }
        long last = messages.get(messages.size() - 1).seq();
        yield Optional.of(Pair.create(new Step(last, 0, false), frames(messages)));
      }
      case CLOSED -> last(closed(outcome.closedBy()));
      case UNKNOWN, INVALID_CURSOR -> last(closed("gone"));
      case REPLACED ->
          last(ByteString.fromArrayUnsafe(SseEncoder.event(null, REPLACED_EVENT, "{}")));
    };
  }

  private static Optional<Pair<Step, ByteString>> last(ByteString bytes) {
    return Optional.of(Pair.create(new Step(0, 0, true), bytes));
  }

  static ByteString closed(String reason) {
    return ByteString.fromArrayUnsafe(
        SseEncoder.event(null, CLOSED_EVENT, "{\"reason\":\"" + reason + "\"}"));
  }

  private static ByteString frames(List<ChannelMessage> messages) {
    ByteString out = ByteString.emptyByteString();
    for (ChannelMessage m : messages) {
      out =
          out.concat(
              ByteString.fromArrayUnsafe(
                  SseEncoder.event(Long.toString(m.seq()), m.streamId(), m.body())));
    }
    return out;
  }
}
