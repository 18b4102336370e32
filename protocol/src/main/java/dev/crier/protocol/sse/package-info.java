/** Server-Sent Events: the frame encoder and the WHATWG event-stream parser. */
package dev.crier.protocol.sse;
