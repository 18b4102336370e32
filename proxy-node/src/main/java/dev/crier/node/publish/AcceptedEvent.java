package dev.crier.node.publish;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One accepted event, as answered to its publisher (HTTP's 201 body, a WebSocket's {@code
 * published} frame): {@code scheduled} and {@code duplicate} only when true, the idempotency key
 * always ({@code null} when none was given).
 */
public record AcceptedEvent(
    String id,
    String topic,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean scheduled,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean duplicate,
    String idempotencyKey) {

  static AcceptedEvent of(Publisher.Answer answer) {
    return new AcceptedEvent(
        answer.id(),
        answer.topic(),
        answer.scheduled(),
        answer.duplicate(),
        answer.idempotencyKey());
  }

  /** The answer to a publish: one event, or a list for a batch sent as an array. */
  public static Object answer(Publisher.Outcome.Accepted outcome, boolean array) {
    List<AcceptedEvent> answers = outcome.answers().stream().map(AcceptedEvent::of).toList();
    return array ? answers : answers.get(0);
  }
}
