package dev.crier.protocol.sp;

import java.util.Optional;

/**
 * The SP protocols by their wire id (major × 16 + minor), each with the one protocol it talks to.
 * libnng closes a connection whose peer announces any other.
 */
public enum SpProtocol {
  PAIR0(0x10, "pair0"),
  PAIR1(0x11, "pair1"),
  PUB0(0x20, "pub0"),
  SUB0(0x21, "sub0"),
  REQ0(0x30, "req0"),
  REP0(0x31, "rep0"),
  PUSH0(0x50, "push0"),
  PULL0(0x51, "pull0"),
  SURVEYOR0(0x62, "surveyor0"),
  RESPONDENT0(0x63, "respondent0"),
  BUS0(0x70, "bus0");

  private final int id;
  private final String wireName;

  SpProtocol(int id, String wireName) {
    this.id = id;
    this.wireName = wireName;
  }

  public int id() {
    return id;
  }

  /** The name libnng and nngcat use, e.g. {@code push0}. */
  public String wireName() {
    return wireName;
  }

  /** The protocol a socket of this one talks to. */
  public SpProtocol peer() {
    return switch (this) {
      case PAIR0, PAIR1, BUS0 -> this;
      case PUB0 -> SUB0;
      case SUB0 -> PUB0;
      case REQ0 -> REP0;
      case REP0 -> REQ0;
      case PUSH0 -> PULL0;
      case PULL0 -> PUSH0;
      case SURVEYOR0 -> RESPONDENT0;
      case RESPONDENT0 -> SURVEYOR0;
    };
  }

  public boolean acceptsPeer(SpProtocol other) {
    return other == peer();
  }

  public static Optional<SpProtocol> byId(int id) {
    for (SpProtocol p : values()) {
      if (p.id == id) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
