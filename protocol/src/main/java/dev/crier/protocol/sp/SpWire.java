package dev.crier.protocol.sp;

import java.time.Duration;

/** Constants of the SP TCP mapping as Crier applies it. */
public final class SpWire {
  private SpWire() {}

  /** libnng gives up on a peer that has not sent its header after 10 s; Crier does the same. */
  public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Crier's default receive limit, 1 MiB: a longer message closes the connection. This is Crier's
   * choice; libnng's own default is unlimited.
   */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 1 << 20;

  /** Bytes of the length before each message: an unsigned 64-bit big-endian integer. */
  public static final int LENGTH_PREFIX = 8;
}
