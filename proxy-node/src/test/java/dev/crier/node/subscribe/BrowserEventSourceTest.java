package dev.crier.node.subscribe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.crier.node.support.Binaries;
import dev.crier.node.support.Http;
import dev.crier.node.support.TestNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EventSource in a real browser: headless Chromium loads a page from another origin (a small server
 * of the test's own on another port), whose script subscribes to a real node twice, once with
 * {@code access_token} and once with the {@code crier_token} cookie (so across origins, with
 * credentials, through CORS), and reports every event it receives back to the page's server.
 */
class BrowserEventSourceTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static final String PAGE =
      """
      <!doctype html><html><head><title>crier</title></head><body><script>
      const q = new URLSearchParams(location.search);
      const node = q.get('node');
      function report(kind, text) {
        fetch('/report?kind=' + kind, {method: 'POST', body: text});
      }
      window.onerror = (m) => report('error', String(m));
      const byToken = new EventSource(
          node + '/events/browser/token?replay=2&access_token=' + q.get('token'));
      byToken.onmessage = (e) => report('token', e.data);
      byToken.onerror = () => report('error', 'token stream error');
      const byCookie = new EventSource(
          node + '/events/browser/cookie?replay=2', {withCredentials: true});
      byCookie.onmessage = (e) => report('cookie', e.data);
      byCookie.onerror = () => report('error', 'cookie stream error');
      </script></body></html>
      """;

  /** What the page reported, as "kind:text", in order of arrival. */
  private final LinkedBlockingQueue<String> reports = new LinkedBlockingQueue<>();

  @Test
  void eventSourceWithTokenAndWithCookieAcrossOrigins(@TempDir Path profile) throws Exception {
    Path chromium = Binaries.require("chromium", "chromium");
    String token = TestNode.allAccess();
    HttpServer pages = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    String origin = "http://127.0.0.1:" + pages.getAddress().getPort();
    pages.createContext(
        "/page",
        exchange -> {
          byte[] body = PAGE.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
          // A cookie is scoped to the host, not the port: the node on the same host receives it.
          exchange.getResponseHeaders().add("Set-Cookie", "crier_token=" + token + "; Path=/");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    pages.createContext(
        "/report",
        exchange -> {
          String kind = exchange.getRequestURI().getQuery().replace("kind=", "");
          reports.add(kind + ":" + new String(exchange.getRequestBody().readAllBytes()));
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    pages.start();
    Process browser = null;
    try (TestNode node = TestNode.start("crier.http.cors.allowed-origins = [\"" + origin + "\"]")) {
      for (String topic : List.of("browser/token", "browser/cookie")) {
        for (String data : List.of("past-1", "past-2")) {
          assertEquals(201, Http.publish(node, topic, data, token).status());
        }
      }
      String nodeUrl = "http://127.0.0.1:" + node.http("/").getPort();
      String url =
          origin
              + "/page?node="
              + URLEncoder.encode(nodeUrl, StandardCharsets.UTF_8)
              + "&token="
              + token;
      browser = chromium(chromium, profile, url);

      List<String> replayed = take(4);
      assertTrue(
          replayed.containsAll(
              List.of("token:past-1", "token:past-2", "cookie:past-1", "cookie:past-2")),
          "replayed: " + replayed);
      assertEquals(201, Http.publish(node, "browser/token", "live", token).status());
      assertEquals(201, Http.publish(node, "browser/cookie", "live", token).status());
      List<String> live = take(2);
      assertTrue(live.containsAll(List.of("token:live", "cookie:live")), "live: " + live);
      String more = reports.poll(500, TimeUnit.MILLISECONDS);
      assertEquals(null, more, "nothing else was reported (no error, no event twice)");
    } finally {
      if (browser != null) {
        browser.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      pages.stop(0);
    }
  }

  /** The next n reports; fails on a reported error, or when they do not come in time. */
  private List<String> take(int n) throws InterruptedException {
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

  private static Process chromium(Path chromium, Path profile, String url) throws IOException {
    Path log = Files.createTempFile("chromium", ".log");
    return new ProcessBuilder(
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
            url)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }
}
