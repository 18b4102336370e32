package dev.crier.node.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdlePassivationTest {
  private static final Instant START = Instant.ofEpochMilli(1_700_000_000_000L);

  private final List<Duration> checks = new ArrayList<>();

  private static HistoryStoreSettings store(boolean durable, Duration passivateAfter) {
    return new HistoryStoreSettings(
        durable, "jdbc:h2:mem:idle", "", "", 1, 1000, 1000, passivateAfter, Duration.ofMinutes(1));
  }

  private IdlePassivation passivation(HistoryStoreSettings store, Clock clock) {
    return new IdlePassivation(store, clock, checks::add);
  }

  @Test
  void itChecksAgainForTheRestOfTheIdleTimeAfterAUse() {
    MovingClock clock = new MovingClock();
    IdlePassivation passivation = passivation(store(true, Duration.ofSeconds(10)), clock);
    passivation.start();
    assertEquals(List.of(Duration.ofSeconds(10)), checks);
    clock.now = 4000;
    passivation.touch();
    clock.now = 10_000;
    assertFalse(passivation.idle(true));
    assertEquals(Duration.ofSeconds(4), checks.get(1));
    clock.now = 14_000;
    assertTrue(passivation.idle(true));
    assertEquals(2, checks.size());
  }

  @Test
  void anOwnerThatIsNotFreeIsCheckedAgainAfterAWholeIdleTime() {
    MovingClock clock = new MovingClock();
    IdlePassivation passivation = passivation(store(true, Duration.ofSeconds(10)), clock);
    passivation.start();
    clock.now = 30_000;
    assertFalse(passivation.idle(false));
    assertEquals(Duration.ofSeconds(10), checks.get(1));
  }

  @Test
  void nothingIsCheckedInMemoryModeOrWithZero() {
    passivation(store(false, Duration.ofSeconds(10)), new MovingClock()).start();
    passivation(store(true, Duration.ZERO), new MovingClock()).start();
    assertEquals(List.of(), checks);
  }

  /** A clock the test sets by hand, in ms after {@link #START}. */
  private static final class MovingClock extends Clock {
    long now;

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return START.plusMillis(now);
    }
  }
}
