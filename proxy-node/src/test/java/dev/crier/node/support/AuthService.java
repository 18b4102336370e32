package dev.crier.node.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP auth service on 127.0.0.1 for webhook tests: answers each POST as its current mode
 * says, after an optional delay or while held, and records what it was asked and how many calls it
 * had in flight at once.
 */
public final class AuthService implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How the service answers. */
  public enum Mode {
    /** 200 with the grants of the token's entry in {@link #grant}. */
    GRANT,
    /** 401. */
    REFUSE,
    /** 500. */
    FAIL
  }

  private final HttpServer server;
  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private volatile CountDownLatch held = new CountDownLatch(0);
  private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private volatile Mode mode = Mode.GRANT;
  private volatile long delayMillis;
  private volatile String grants =
      "{\"sub\":\"webhook-user\",\"subscribe\":[\"hooked/*\"],\"publish\":[\"hooked/*\"]}";

  public AuthService() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/auth", this::answer);
    server.start();
  }

  private void answer(HttpExchange exchange) throws IOException {
    try (exchange) {
      calls.incrementAndGet();
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      requests.add(JSON.readTree(exchange.getRequestBody()));
      String authorization = exchange.getRequestHeaders().getFirst("Authorization");
      authorizations.add(authorization == null ? "" : authorization);
      if (delayMillis > 0) {
        Thread.sleep(delayMillis);
      }
      held.await();
      // Counted out before answering: the node can start its next call only once it has the
      // answer, so the count never shows a call that the node already holds as finished.
      inFlight.decrementAndGet();
      switch (mode) {
        case GRANT -> {
          byte[] body = grants.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
        }
        case REFUSE -> exchange.sendResponseHeaders(401, -1);
        case FAIL -> exchange.sendResponseHeaders(500, -1);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/auth";
  }

  public void mode(Mode next) {
    mode = next;
  }

  public void delay(long millis) {
    delayMillis = millis;
  }

  /** The JSON answered in {@link Mode#GRANT}. */
  public void grants(String json) {
    grants = json;
  }

  public int calls() {
    return calls.get();
  }

  /** Calls being answered right now. */
  public int inFlight() {
    return inFlight.get();
  }

  /** The most calls that were ever being answered at once. */
  public int maxInFlight() {
    return maxInFlight.get();
  }

  /** Holds every call from now on, unanswered, until {@link #release()}. */
  public void hold() {
    held = new CountDownLatch(1);
  }

  /** Answers the held calls, and holds no more. */
  public void release() {
    held.countDown();
  }

  public List<JsonNode> requests() {
    return requests;
  }

  public List<String> authorizations() {
    return authorizations;
  }

  @Override
  public void close() {
    release();
    server.stop(0);
  }
}
