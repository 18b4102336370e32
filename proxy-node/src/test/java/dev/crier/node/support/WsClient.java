package dev.crier.node.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real WebSocket client (the JDK's) for tests: every text frame it receives, parsed as JSON, in
 * order, and the close code the server sent.
 */
public final class WsClient implements AutoCloseable {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WITHIN = Duration.ofSeconds(20);

  private final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
  private final CompletableFuture<Integer> closed = new CompletableFuture<>();
  private final StringBuilder partial = new StringBuilder();
  private WebSocket socket;

  private WsClient() {}

  /** Opens a socket to {@code uri} with the token as a bearer header (none if null). */
  public static WsClient open(URI uri, String token) throws Exception {
    return open(uri, token == null ? Map.of() : Map.of("Authorization", "Bearer " + token));
  }

  /** Opens a socket to {@code uri} with these request headers. */
  public static WsClient open(URI uri, Map<String, String> headers) throws Exception {
    WsClient client = new WsClient();
    WebSocket.Builder builder = CLIENT.newWebSocketBuilder().connectTimeout(WITHIN);
    headers.forEach(builder::header);
    try {
      client.socket =
          builder.buildAsync(uri, client.new Listener()).get(WITHIN.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof WebSocketHandshakeException refused) {
        throw new Refused(
            refused.getResponse().statusCode(), String.valueOf(refused.getResponse().body()));
      }
      throw e;
    }
    return client;
  }

  /** The upgrade was answered with an HTTP status instead. */
  public static final class Refused extends Exception {
    public final int status;

    Refused(int status, String body) {
      super("upgrade refused with " + status + ": " + body);
      this.status = status;
    }
  }

  public void send(String json) {
    socket.sendText(json, true).join();
  }

  public void sendBinary(byte[] data) {
    socket.sendBinary(ByteBuffer.wrap(data), true).join();
  }

  /** The next frame, or fails the test after a while. */
  public JsonNode next() throws InterruptedException {
    JsonNode frame = frames.poll(WITHIN.toSeconds(), TimeUnit.SECONDS);
    if (frame == null) {
      throw new AssertionError(
          "no frame within " + WITHIN + (closed.isDone() ? ", closed " + closed.join() : ""));
    }
    return frame;
  }

  /** The next frame within {@code wait}, or null. */
  public JsonNode poll(Duration wait) throws InterruptedException {
    return frames.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The next frame that has this key (skipping others), or fails the test. */
  public JsonNode next(String key) throws InterruptedException {
    return next(f -> f.has(key));
  }

  public JsonNode next(Predicate<JsonNode> wanted) throws InterruptedException {
    long deadline = System.nanoTime() + WITHIN.toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode frame = frames.poll(100, TimeUnit.MILLISECONDS);
      if (frame != null && wanted.test(frame)) {
        return frame;
      }
    }
    throw new AssertionError("no such frame within " + WITHIN);
  }

  /** The next {@code n} event frames (those with a topic), skipping nothing else. */
  public List<JsonNode> events(int n) throws InterruptedException {
    List<JsonNode> out = new ArrayList<>();
    while (out.size() < n) {
      JsonNode frame = next();
      if (frame.has("topic")) {
        out.add(frame);
      }
    }
    return out;
  }

  /** The close code the server sent, waiting for it. */
  public int closeCode() throws Exception {
    return closed.get(WITHIN.toSeconds(), TimeUnit.SECONDS);
  }

  public boolean isClosed() {
    return closed.isDone();
  }

  /** Drops the connection without a close handshake, as a client whose network went away. */
  public void abort() {
    socket.abort();
  }

  @Override
  public void close() {
    if (!socket.isOutputClosed()) {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
    }
    socket.abort();
  }

  private final class Listener implements WebSocket.Listener {
    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          frames.add(JSON.readTree(partial.toString()));
        } catch (Exception e) {
          frames.add(JSON.getNodeFactory().textNode("not JSON: " + partial));
        }
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed.complete(-1);
    }
  }
}
