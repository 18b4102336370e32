package dev.crier.protocol.sse;

/**
 * An event as a WHATWG event-stream parser dispatches it.
 *
 * @param type the {@code event:} field, or "message" when the event had none
 * @param data the {@code data:} lines joined with LF
 * @param lastEventId the stream's last event id at dispatch time ("" before any {@code id:})
 */
public record SseEvent(String type, String data, String lastEventId) {}
