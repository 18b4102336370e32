package dev.crier.loadtest;

import dev.crier.protocol.envelope.PushedEvent;
import dev.crier.protocol.sp.SpFrameEncoder;
import dev.crier.protocol.sp.SpHeader;
import dev.crier.protocol.sp.SpProtocol;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;

/**
 * Publishes into a Crier node's bridge as an NNG push0 peer would: one connection, the SP header
 * handshake, then {@code topic 0x00 data} messages. push0 has no replies, so an event counts as
 * published once written; the subscribers' integrity check tells whether the node took it.
 */
final class NngPush implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;

  NngPush(URI endpoint) throws IOException {
    socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()), 10_000);
    out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    out.write(SpHeader.encode(SpProtocol.PUSH0));
    out.flush();
    SpHeader.expectPeer(socket.getInputStream().readNBytes(SpHeader.LENGTH), SpProtocol.PUSH0);
  }

  void push(String topic, String data) throws IOException {
    byte[] body = new PushedEvent(topic, data).encode();
    out.write(SpFrameEncoder.lengthPrefix(body.length));
    out.write(body);
  }

  void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
