/**
 * Cursors: where a subscriber is in the topics it follows.
 *
 * <p>A {@link dev.crier.protocol.cursor.Position} is one topic's place: the epoch of the topic's
 * sequencer (which changes whenever the sequencer restarts without its history) and the sequence
 * number of the last event seen. Text form: {@code base36(epoch) "-" base36(seq)}, lowercase, e.g.
 * {@code mhz8k2ab-1f}.
 *
 * <p>A subscription cursor ({@link dev.crier.protocol.cursor.CursorCodec}) is the position itself
 * for one topic, and for several topics the positions in sorted-topic order joined by {@code .},
 * then {@code ~} and base36 of the CRC32 of the sorted topics joined by LF (UTF-8), so that a
 * cursor is never applied to another set of topics: {@code mhz8k2ab-1f.mhz8k9zz-0~1x2y3z}. All
 * characters are URL-safe and legal in an SSE {@code id:} field.
 */
package dev.crier.protocol.cursor;
