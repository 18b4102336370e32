/**
 * The Scalability Protocols (NNG / nanomsg) wire over TCP, in pure Java: the 8-byte connection
 * header ({@code 00 'S' 'P' 00}, protocol id, two reserved zero bytes) that both sides send at
 * once, the protocol ids and which of them may talk to each other, and messages framed by a 64-bit
 * big-endian length. Nothing here does I/O: the node drives it from Pekko Streams, the tests from
 * byte arrays captured from libnng.
 */
package dev.crier.protocol.sp;
