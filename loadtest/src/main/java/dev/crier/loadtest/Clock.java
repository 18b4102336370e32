package dev.crier.loadtest;

import java.time.Instant;

/** Wall-clock microseconds: publishers and subscribers may run in different processes. */
final class Clock {
  private Clock() {}

  static long micros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
  }
}
