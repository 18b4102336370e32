package dev.crier.node.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock the test moves by hand (UTC), for code that is given a {@link Clock}. */
public final class ManualClock extends Clock {
  private final AtomicLong millis;

  public ManualClock(long epochMillis) {
    this.millis = new AtomicLong(epochMillis);
  }

  public void set(long epochMillis) {
    millis.set(epochMillis);
  }

  public void advance(Duration by) {
    millis.addAndGet(by.toMillis());
  }

  @Override
  public long millis() {
    return millis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis.get());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
