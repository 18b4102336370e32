package dev.crier.node.publish;

import dev.crier.node.Refusal;
import dev.crier.node.Timeouts;
import dev.crier.node.auth.Grants;
import dev.crier.node.limits.Limits;
import dev.crier.node.topic.TopicOwner;
import dev.crier.node.topic.TopicOwners;
import dev.crier.protocol.topic.TopicPattern;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Publishing, whoever asks: checks the caller's grants and limits, asks each topic's owner to
 * sequence its events, and says what became of them as an {@link Outcome}. The HTTP routes and the
 * bridge's push0 ingest both publish through it; it knows no HTTP.
 *
 * <p>Nothing is acknowledged that an owner did not accept. Events for one topic go to its owner in
 * one ask, in the order given; the topics of a batch are asked side by side.
 */
public final class Publisher {
  /**
   * What the bridge publishes with: any topic, no subject and no tenant, so no per-client limit
   * applies (the bridge admits its peers by address).
   */
  public static final Grants BRIDGE =
      new Grants(null, null, Instant.MAX, List.of(), List.of(TopicPattern.parse("*")), false, null);

  /** One event to publish, addressed to its topic. */
  public record Event(String topic, TopicOwner.Draft draft) {}

  /** One accepted event, in the order published. */
  public record Answer(
      String topic, String id, boolean scheduled, boolean duplicate, String idempotencyKey) {}

  /** What became of a publish: every event accepted, or none of a refused topic's. */
  public sealed interface Outcome {
    /** One answer per event, in the order given. */
    record Accepted(List<Answer> answers) implements Outcome {}

    /**
     * Refused: nothing was stored, unless the refusal is {@link Refusal.Kind#OUTCOME_UNKNOWN}. In a
     * batch over several topics, the other topics' events may have been accepted.
     */
    record Refused(Refusal refusal) implements Outcome {}
  }

  private final PublishSettings settings;
  private final Limits limits;
  private final TopicOwners owners;
  private final Clock clock;

  public Publisher(PublishSettings settings, Limits limits, TopicOwners owners, Clock clock) {
    this.settings = settings;
    this.limits = limits;
    this.owners = owners;
    this.clock = clock;
  }

  /** Publishes the events: grants first, then size, then the caller's limits, then the owners. */
  public CompletionStage<Outcome> publish(Grants grants, List<Event> events) {
    Optional<Refusal> refusal = admit(grants, events);
    if (refusal.isPresent()) {
      return CompletableFuture.completedFuture(new Outcome.Refused(refusal.get()));
    }
    Map<String, List<Integer>> indexesByTopic = new LinkedHashMap<>();
    for (int i = 0; i < events.size(); i++) {
      indexesByTopic.computeIfAbsent(events.get(i).topic(), t -> new ArrayList<>()).add(i);
    }
    Answer[] answers = new Answer[events.size()];
    List<CompletableFuture<Optional<Refusal>>> perTopic = new ArrayList<>();
    indexesByTopic.forEach(
        (topic, indexes) -> {
          List<TopicOwner.Draft> drafts = indexes.stream().map(i -> events.get(i).draft()).toList();
          perTopic.add(
              sequence(topic, drafts)
                  .thenApply(
                      published -> {
                        if (published.refusal() != null) {
                          return Optional.of(refusal(published));
                        }
                        for (int k = 0; k < indexes.size(); k++) {
                          answers[indexes.get(k)] = answer(published, k, drafts.get(k));
                        }
                        return Optional.<Refusal>empty();
                      })
                  .exceptionally(failure -> Optional.of(unanswered(failure, topic, drafts)))
                  .toCompletableFuture());
        });
    return CompletableFuture.allOf(perTopic.toArray(CompletableFuture[]::new))
        .thenApply(
            done -> {
              for (CompletableFuture<Optional<Refusal>> topic : perTopic) {
                Optional<Refusal> refused = topic.join();
                if (refused.isPresent()) {
                  return new Outcome.Refused(refused.get());
                }
              }
              return new Outcome.Accepted(List.of(answers));
            });
  }

  private Optional<Refusal> admit(Grants grants, List<Event> events) {
    for (Event event : events) {
      if (!grants.mayPublish(event.topic())) {
        return Optional.of(
            Refusal.forbidden("token does not grant publish to topic " + event.topic()));
      }
    }
    for (Event event : events) {
      if (exceeds(event.draft().data(), settings.maxBytes())) {
        return Optional.of(
            Refusal.tooLarge("event data exceeds " + settings.maxBytes() + " bytes"));
      }
    }
    return limits.admitPublish(grants.subject(), grants.tenant(), events.size());
  }

  /**
   * Whether event data is over {@code maxBytes} of UTF-8. A char takes at most 3 bytes (a surrogate
   * pair 4 for 2), so only data longer than a third of the limit is encoded to count.
   */
  static boolean exceeds(String data, int maxBytes) {
    return data.length() > maxBytes / 3 && data.getBytes(StandardCharsets.UTF_8).length > maxBytes;
  }

  private CompletionStage<TopicOwner.Published> sequence(
      String topic, List<TopicOwner.Draft> drafts) {
    // Past the deadline the owner drops the events, so that one answered as unknown stays unstored
    // unless the same idempotency keys come again.
    long deadline = clock.millis() + settings.timeout().toMillis();
    return owners.ask(
        topic, replyTo -> new TopicOwner.Publish(drafts, deadline, replyTo), settings.timeout());
  }

  private static Refusal refusal(TopicOwner.Published published) {
    return TopicOwner.STORE_FAILED.equals(published.refusal())
        ? Refusal.unavailable("store_unavailable", published.refusal(), 1)
        : Refusal.unavailable("scheduled_limit", published.refusal(), 60);
  }

  /** No answer from the owner: a timeout may have stored the events; anything else is a bug. */
  private static Refusal unanswered(
      Throwable failure, String topic, List<TopicOwner.Draft> drafts) {
    if (!Timeouts.anywhereIn(failure)) {
      throw failure instanceof RuntimeException r ? r : new IllegalStateException(failure);
    }
    return Refusal.outcomeUnknown(
        "the owner of topic "
            + topic
            + " did not answer in time: the events may have been stored; retry with the same"
            + " idempotency keys "
            + drafts.stream().map(TopicOwner.Draft::idempotencyKey).toList()
            + " to publish them exactly once");
  }

  private static Answer answer(TopicOwner.Published published, int index, TopicOwner.Draft draft) {
    TopicOwner.Accepted accepted = published.accepted().get(index);
    return new Answer(
        published.topic(),
        accepted.id(),
        accepted.scheduled(),
        accepted.duplicate(),
        draft.idempotencyKey());
  }
}
