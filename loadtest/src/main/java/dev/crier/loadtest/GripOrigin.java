package dev.crier.loadtest;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;

/**
 * The GRIP origin Pushpin needs for the benchmarks: every {@code GET /events/{topic}} is answered
 * at once with {@code Grip-Hold: stream} on channel {@code topic}, so that Pushpin holds the SSE
 * stream and publishes reach it. A deep listen backlog and a thread pool keep it ahead of
 * connection storms.
 *
 * <p>Usage: {@code java -cp crier-loadtest.jar dev.crier.loadtest.GripOrigin PORT}
 */
public final class GripOrigin {
  private GripOrigin() {}

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(args[0]);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 4096);
    server.createContext("/events/", GripOrigin::hold);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.start();
    System.out.println("grip origin listening on 127.0.0.1:" + port);
  }

  private static void hold(HttpExchange exchange) throws IOException {
    String topic = exchange.getRequestURI().getPath().substring("/events/".length());
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.getResponseHeaders().set("Grip-Hold", "stream");
    exchange.getResponseHeaders().set("Grip-Channel", topic);
    exchange.getResponseHeaders().set("Grip-Keep-Alive", ":\\n\\n; format=cstring; timeout=20");
    exchange.sendResponseHeaders(200, -1);
    exchange.close();
  }
}
