package dev.crier.node.topic;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Tells when a {@link TopicOwner} has been idle for {@code crier.history.passivate-after}, so that
 * it can ask sharding to stop it: a check that comes back until then. Only the time of the last use
 * is noted, as publishes must stay cheap. With memory mode, or zero, nothing is checked. Used by
 * its owner's actor only.
 */
final class IdlePassivation {
  private final HistoryStoreSettings store;
  private final Clock clock;
  private final Consumer<Duration> checkIn;
  private long lastActive;

  /**
   * @param checkIn sets the owner's next check (a timer that replaces the previous one)
   */
  IdlePassivation(HistoryStoreSettings store, Clock clock, Consumer<Duration> checkIn) {
    this.store = store;
    this.clock = clock;
    this.checkIn = checkIn;
  }

  /** The owner has come up (recovered): it counts as used now, and checks begin. */
  void start() {
    touch();
    checkIn(store.passivateAfter().toMillis());
  }

  /** Keeps an owner in use from being passivated. */
  void touch() {
    lastActive = clock.millis();
  }

  /**
   * At a check: true when the owner has been idle long enough and is {@code free} (nothing
   * scheduled, no node to send to); otherwise the next check is set.
   */
  boolean idle(boolean free) {
    long idleFor = clock.millis() - lastActive;
    long after = store.passivateAfter().toMillis();
    if (idleFor >= after && free) {
      return true;
    }
    checkIn(idleFor >= after ? after : after - idleFor);
    return false;
  }

  private void checkIn(long inMillis) {
    if (store.passivates()) {
      checkIn.accept(Duration.ofMillis(Math.max(1, inMillis)));
    }
  }
}
