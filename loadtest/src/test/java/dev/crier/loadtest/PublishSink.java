package dev.crier.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small HTTP/1.1 server on 127.0.0.1 that takes Crier's {@code POST /publish} batches as Crier
 * does: each connection's requests one after another, in the order sent. It reads requests as soon
 * as they arrive (so it sees how many a client has unanswered) and answers them, 201, after {@code
 * answerDelayMillis} and once {@link #release} was called; the events of a request count as
 * published when it is answered. With {@code closeAfter} above 0, the answer to a connection's
 * that-many-th request says {@code Connection: close} and the connection closes, leaving the
 * requests behind it unprocessed.
 */
final class PublishSink implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ServerSocket server;
  private final long answerDelayMillis;
  private final int closeAfter;
  private final CountDownLatch released = new CountDownLatch(1);
  private final List<Socket> sockets = new ArrayList<>();
  private final Map<String, List<Long>> published = new LinkedHashMap<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger answered = new AtomicInteger();
  private final AtomicInteger maxUnanswered = new AtomicInteger();

  PublishSink(long answerDelayMillis, int closeAfter, boolean heldUntilReleased)
      throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.answerDelayMillis = answerDelayMillis;
    this.closeAfter = closeAfter;
    if (!heldUntilReleased) {
      release();
    }
    Thread accepting = new Thread(this::accept, "sink-accept");
    accepting.setDaemon(true);
    accepting.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  /** Lets the answers go out. */
  void release() {
    released.countDown();
  }

  /** Every topic's sequence numbers in the order they were published. */
  synchronized Map<String, List<Long>> published() {
    Map<String, List<Long>> copy = new LinkedHashMap<>();
    published.forEach((topic, seqs) -> copy.put(topic, List.copyOf(seqs)));
    return copy;
  }

  int connections() {
    return connections.get();
  }

  int answered() {
    return answered.get();
  }

  /** The most requests read and not yet answered at once on one connection. */
  int maxUnanswered() {
    return maxUnanswered.get();
  }

  private void accept() {
    try {
      while (true) {
        Socket socket = server.accept();
        synchronized (sockets) {
          sockets.add(socket);
        }
        connections.incrementAndGet();
        BlockingQueue<byte[]> requests = new LinkedBlockingQueue<>();
        AtomicInteger unanswered = new AtomicInteger();
        start(() -> read(socket, requests, unanswered), "sink-read");
        start(() -> answer(socket, requests, unanswered), "sink-answer");
      }
    } catch (IOException closed) {
      // the sink is closed
    }
  }

  private static void start(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }

  private void read(Socket socket, BlockingQueue<byte[]> requests, AtomicInteger unanswered) {
    try (InputStream in = new BufferedInputStream(socket.getInputStream())) {
      while (true) {
        int length = -1;
        for (String line = line(in); !line.isEmpty(); line = line(in)) {
          String header = line.toLowerCase(Locale.ROOT);
          if (header.startsWith("content-length:")) {
            length = Integer.parseInt(header.substring("content-length:".length()).trim());
          }
        }
        requests.add(in.readNBytes(length));
        maxUnanswered.accumulateAndGet(unanswered.incrementAndGet(), Math::max);
      }
    } catch (IOException | RuntimeException closed) {
      // the client or the answering side closed the connection
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("closed");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.US_ASCII);
  }

  private void answer(Socket socket, BlockingQueue<byte[]> requests, AtomicInteger unanswered) {
    try (OutputStream out = socket.getOutputStream()) {
      released.await();
      for (int n = 1; ; n++) {
        byte[] body = requests.take();
        TimeUnit.MILLISECONDS.sleep(answerDelayMillis);
        record(body);
        boolean last = n == closeAfter;
        // before the answer goes out, which frees the client to send another
        unanswered.decrementAndGet();
        out.write(
            ("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n"
                    + (last ? "Connection: close\r\n" : "")
                    + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        answered.incrementAndGet();
        if (last) {
          return;
        }
      }
    } catch (IOException | InterruptedException closed) {
      // the client closed the connection, or the sink is closed
    }
  }

  private synchronized void record(byte[] body) throws IOException {
    for (JsonNode event : JSON.readTree(body)) {
      String data = event.path("data").asText();
      published
          .computeIfAbsent(event.path("topic").asText(), t -> new ArrayList<>())
          .add(Long.parseLong(data.substring(0, data.indexOf(' '))));
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    synchronized (sockets) {
      for (Socket s : sockets) {
        s.close();
      }
    }
  }
}
