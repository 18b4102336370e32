package dev.crier.node;

import java.util.concurrent.TimeoutException;

/** Whether a failure was a timeout: an ask or a read that got no answer in time. */
public final class Timeouts {
  private Timeouts() {}

  /** True when a {@link TimeoutException} is anywhere in the failure's cause chain. */
  public static boolean anywhereIn(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof TimeoutException) {
        return true;
      }
    }
    return false;
  }
}
