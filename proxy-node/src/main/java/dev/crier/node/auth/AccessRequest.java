package dev.crier.node.auth;

import java.util.List;

/**
 * What a request wants to do with its token: verifiers that ask a service (the webhook) pass it on,
 * and a cached answer is reused only for requests it covers.
 *
 * @param action what the bearer asks to do
 * @param topics the topics it asks for (none for admin and channel requests)
 */
public record AccessRequest(Action action, List<String> topics) {

  /** The kinds of access a token can grant. */
  public enum Action {
    SUBSCRIBE,
    PUBLISH,
    ADMIN,
    /** Create a channel. */
    CHANNELS
  }

  public AccessRequest {
    topics = List.copyOf(topics);
  }

  public static AccessRequest subscribe(List<String> topics) {
    return new AccessRequest(Action.SUBSCRIBE, topics);
  }

  public static AccessRequest publish(List<String> topics) {
    return new AccessRequest(Action.PUBLISH, topics);
  }

  public static AccessRequest admin() {
    return new AccessRequest(Action.ADMIN, List.of());
  }

  public static AccessRequest channels() {
    return new AccessRequest(Action.CHANNELS, List.of());
  }

  /** Whether the grants allow all of this request. */
  public boolean allowedBy(Grants grants) {
    return switch (action) {
      case SUBSCRIBE -> topics.stream().allMatch(grants::maySubscribe);
      case PUBLISH -> topics.stream().allMatch(grants::mayPublish);
      case ADMIN -> grants.admin();
      case CHANNELS -> grants.channels();
    };
  }
}
