/**
 * What Crier puts inside SP messages (version 1; byte by byte in {@code docs/protocol.md}).
 *
 * <p>An event starts with its topic and a 0x00 byte, so that NNG sub0 prefix subscriptions select
 * topics; then the version, a kind byte, the position (epoch, sequence), the publish time, the
 * event type and the data. A message starting with 0x00 is a control message (topics are never
 * empty): the {@link dev.crier.protocol.envelope.Hello} that opens a node-to-node link. NNG push0
 * peers send the simpler {@link dev.crier.protocol.envelope.PushedEvent}: topic, 0x00, data.
 */
package dev.crier.protocol.envelope;
