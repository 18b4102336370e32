package dev.crier.node.support;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits for a condition on a running system, polling, and fails the test when it never holds. */
public final class Await {
  private static final Duration POLL = Duration.ofMillis(50);

  /** A condition that may call the system under test. */
  @FunctionalInterface
  public interface Condition {
    boolean holds() throws Exception;
  }

  private Await() {}

  /**
   * Checks {@code condition} throughout {@code period} and throws with {@code failure} the first
   * time it does not hold: for what must stay true (nothing more arrives, a count stays put).
   */
  public static void holdsFor(Duration period, Condition condition, Supplier<String> failure)
      throws Exception {
    long end = System.nanoTime() + period.toNanos();
    do {
      if (!condition.holds()) {
        throw new AssertionError(failure.get() + " (within " + period + ")");
      }
      Thread.sleep(POLL.toMillis());
    } while (System.nanoTime() < end);
  }

  /**
   * Returns as soon as {@code condition} holds; throws with {@code failure} after {@code within}.
   */
  public static void until(Duration within, Condition condition, Supplier<String> failure)
      throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(failure.get() + " (waited " + within + ")");
      }
      Thread.sleep(POLL.toMillis());
    }
  }
}
