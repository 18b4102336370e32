package dev.crier.node.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdlePassivationTest {
  private static final long START = 1_700_000_000_000L;

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
    ManualClock clock = new ManualClock(START);
    IdlePassivation passivation = passivation(store(true, Duration.ofSeconds(10)), clock);
    passivation.start();
    assertEquals(List.of(Duration.ofSeconds(10)), checks);
    clock.set(START + 4000);
    passivation.touch();
    clock.set(START + 10_000);
    assertFalse(passivation.idle(true));
    assertEquals(Duration.ofSeconds(4), checks.get(1));
    clock.set(START + 14_000);
    assertTrue(passivation.idle(true));
    assertEquals(2, checks.size());
  }

  @Test
  void anOwnerThatIsNotFreeIsCheckedAgainAfterAWholeIdleTime() {
    ManualClock clock = new ManualClock(START);
    IdlePassivation passivation = passivation(store(true, Duration.ofSeconds(10)), clock);
    passivation.start();
    clock.set(START + 30_000);
    assertFalse(passivation.idle(false));
    assertEquals(Duration.ofSeconds(10), checks.get(1));
  }

  @Test
  void nothingIsCheckedInMemoryModeOrWithZero() {
    passivation(store(false, Duration.ofSeconds(10)), new ManualClock(START)).start();
    passivation(store(true, Duration.ZERO), new ManualClock(START)).start();
    assertEquals(List.of(), checks);
  }
}
