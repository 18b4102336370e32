package dev.crier.loadtest;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One keep-alive HTTP/1.1 connection of the publisher: each POST goes out in a single write (head
 * and body together) from the calling thread, which then blocks for the answer. The JDK's
 * HttpClient, used before, hands every request through its executor and selector threads and often
 * writes the head and the body as two segments (so that the server reads the body as a stream of
 * its own): on a busy 2-CPU machine that put about a millisecond of the client's own into every
 * measured latency (issue 13). Not thread-safe: one request at a time.
 */
final class HttpConnection implements AutoCloseable {
  private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

  /** An answer that takes longer fails the request (the run waits 60 s for its last batch). */
  private static final int READ_TIMEOUT_MILLIS = 60_000;

  private final URI base;

  /** The base URI's path without a trailing slash, put before every request's path. */
  private final String prefix;

  private Socket socket;
  private OutputStream out;
  private InputStream in;

  /**
   * @param base the server ({@code http://host:port}, optionally with a path that every request's
   *     path follows); not connected until the first request
   */
  HttpConnection(URI base) {
    this.base = base;
    String path = base.getRawPath() == null ? "" : base.getRawPath();
    this.prefix = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  /**
   * Sends {@code POST path} with the body and returns the answer's status once its body is read. A
   * connection the server closed, or that failed, is opened again by the next request.
   *
   * @param contentType null for none
   * @param token bearer token; empty for none
   */
  int post(String path, String contentType, String token, byte[] body) throws IOException {
    if (socket == null) {
      connect();
    }
    StringBuilder head =
        new StringBuilder("POST ")
            .append(prefix)
            .append(path)
            .append(" HTTP/1.1\r\nHost: ")
            .append(base.getHost())
            .append(':')
            .append(port())
            .append("\r\nContent-Length: ")
            .append(body.length)
            .append("\r\n");
    if (contentType != null) {
      head.append("Content-Type: ").append(contentType).append("\r\n");
    }
    if (!token.isEmpty()) {
      head.append("Authorization: Bearer ").append(token).append("\r\n");
    }
    byte[] headBytes = head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] request = new byte[headBytes.length + body.length];
    System.arraycopy(headBytes, 0, request, 0, headBytes.length);
    System.arraycopy(body, 0, request, headBytes.length, body.length);
    try {
      out.write(request);
      out.flush();
      return readAnswer();
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private void connect() throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.setSoTimeout(READ_TIMEOUT_MILLIS);
    s.connect(new InetSocketAddress(base.getHost(), port()), CONNECT_TIMEOUT_MILLIS);
    socket = s;
    out = s.getOutputStream();
    in = new BufferedInputStream(s.getInputStream());
  }

  private int port() {
    return base.getPort() > 0 ? base.getPort() : 80;
  }

  /** Reads the status line, the headers and the body (by length, chunked, or up to the close). */
  private int readAnswer() throws IOException {
    String status = line();
    if (!status.startsWith("HTTP/1.") || status.length() < 12) {
      throw new IOException("not an HTTP answer: " + status);
    }
    int code = Integer.parseInt(status.substring(9, 12));
    long length = -1;
    boolean chunked = false;
    boolean closes = status.startsWith("HTTP/1.0");
    for (String header = line(); !header.isEmpty(); header = line()) {
      int colon = header.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = header.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
      switch (name) {
        case "content-length" -> length = Long.parseLong(value);
        case "transfer-encoding" -> chunked = value.contains("chunked");
        case "connection" -> closes = value.contains("close");
        default -> {}
      }
    }
    if (chunked) {
      for (long size = chunkSize(); size > 0; size = chunkSize()) {
        skip(size);
        line();
      }
      while (!line().isEmpty()) {
        // trailers
      }
    } else if (length >= 0) {
      skip(length);
    } else if (code >= 200 && code != 204 && code != 304) {
      in.transferTo(OutputStream.nullOutputStream());
      closes = true;
    }
    if (closes) {
      close();
    }
    return code;
  }

  private long chunkSize() throws IOException {
    String size = line();
    int extension = size.indexOf(';');
    return Long.parseLong((extension < 0 ? size : size.substring(0, extension)).trim(), 16);
  }

  private void skip(long n) throws IOException {
    in.skipNBytes(n);
  }

  /** One line without its CRLF. */
  private String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(64);
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new EOFException("connection closed in an answer");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
      socket = null;
    }
  }
}
