package dev.crier.node.support;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A test page in headless Chromium (Debian's {@code chromium}): a small server of the test's own
 * serves the page from its own origin and takes what the page's script reports with {@code
 * fetch('/report?kind=…', {method: 'POST', body: …})}, in order of arrival.
 */
public final class BrowserPage implements AutoCloseable {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final HttpServer server;
  private final LinkedBlockingQueue<String> reports = new LinkedBlockingQueue<>();
  private Process browser;

  /**
   * Serves {@code html} at {@code /page}, setting the cookie {@code crier_token} to {@code
   * cookieToken} unless it is null (a cookie is scoped to the host, not the port, so a node on the
   * same host receives it).
   */
  public BrowserPage(String html, String cookieToken) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/page",
        exchange -> {
          byte[] body = html.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
          if (cookieToken != null) {
            exchange
                .getResponseHeaders()
                .add("Set-Cookie", "crier_token=" + cookieToken + "; Path=/");
          }
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.createContext(
        "/report",
        exchange -> {
          String kind = exchange.getRequestURI().getQuery().replace("kind=", "");
          reports.add(kind + ":" + new String(exchange.getRequestBody().readAllBytes()));
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    server.start();
  }

  /** The page server's origin, {@code http://127.0.0.1:PORT}. */
  public String origin() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Opens {@code /page?query} in a fresh headless Chromium with its profile in {@code profile}. */
  public void open(String query, Path profile) throws IOException {
    Path chromium = Binaries.require("chromium", "chromium");
    Path log = Files.createTempFile("chromium", ".log");
    browser =
        new ProcessBuilder(
                chromium.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + profile,
                origin() + "/page?" + query)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
  }

  /** The next n reports ("kind:text"); fails on a reported error, or when they do not come. */
  public List<String> take(int n) throws InterruptedException {
    List<String> out = new ArrayList<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (out.size() < n) {
      String r = reports.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (r == null) {
        throw new AssertionError("the page reported " + out + " of " + n + " within " + WAIT);
      }
      if (r.startsWith("error:")) {
        throw new AssertionError("the page reported an error: " + r + " after " + out);
      }
      out.add(r);
    }
    return out;
  }

  /** The next report within {@code wait}, or null. */
  public String poll(Duration wait) throws InterruptedException {
    return reports.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Ends the browser with all its processes (renderers and helpers go on writing to the profile
   * otherwise, and the test's temporary directory cannot be deleted), then the page server.
   */
  @Override
  public void close() throws InterruptedException {
    if (browser != null) {
      List<ProcessHandle> all = new ArrayList<>(browser.descendants().toList());
      all.add(browser.toHandle());
      all.forEach(ProcessHandle::destroyForcibly);
      for (ProcessHandle p : all) {
        try {
          p.onExit().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
          throw new AssertionError("browser process " + p.pid() + " did not end", e);
        }
      }
    }
    server.stop(0);
  }
}
