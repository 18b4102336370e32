package dev.crier.protocol.envelope;

/** A message between Crier nodes (or to a tap): an event or a link's opening Hello. */
public sealed interface BridgeMessage permits EventEnvelope, Hello {

  /** Version of the envelope layout written and read here. */
  int VERSION = 1;

  byte[] encode();

  /** Reads any bridge message; anything malformed is an {@link EnvelopeException}. */
  static BridgeMessage decode(byte[] message) {
    if (message.length == 0) {
      throw new EnvelopeException("empty message");
    }
    if (message[0] == 0) {
      return Hello.decode(message);
    }
    return EventEnvelope.decode(message);
  }
}
