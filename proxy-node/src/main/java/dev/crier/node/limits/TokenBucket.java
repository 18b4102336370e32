package dev.crier.node.limits;

/**
 * A token bucket: {@code rate} tokens a second, holding at most {@code burst}. Thread-safe; time
 * comes from the caller (nanoseconds), so that tests need no sleeping.
 */
final class TokenBucket {
  private final double ratePerNano;
  private final double burst;
  private double tokens;
  private long updatedNanos;

  TokenBucket(double ratePerSecond, double burst, long nowNanos) {
    this.ratePerNano = ratePerSecond / 1e9;
    this.burst = burst;
    this.tokens = burst;
    this.updatedNanos = nowNanos;
  }

  /**
   * Takes {@code n} tokens if there are that many; otherwise takes none and returns the nanoseconds
   * until there will be (never 0 on refusal).
   */
  synchronized long tryTake(int n, long nowNanos) {
    refill(nowNanos);
    if (tokens >= n) {
      tokens -= n;
      return 0;
    }
    if (n > burst) {
      return Long.MAX_VALUE;
    }
    return Math.max(1, (long) Math.ceil((n - tokens) / ratePerNano));
  }

  /**
   * Returns {@code n} tokens taken by {@link #tryTake} for a request that was refused elsewhere.
   */
  synchronized void giveBack(int n) {
    tokens = Math.min(burst, tokens + n);
  }

  private void refill(long nowNanos) {
    long elapsed = nowNanos - updatedNanos;
    if (elapsed > 0) {
      tokens = Math.min(burst, tokens + elapsed * ratePerNano);
      updatedNanos = nowNanos;
    }
  }
}
