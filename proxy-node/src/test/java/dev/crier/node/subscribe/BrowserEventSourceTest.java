package dev.crier.node.subscribe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.BrowserPage;
import dev.crier.node.support.Http;
import dev.crier.node.support.NodeProcess;
import dev.crier.node.support.TestNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EventSource in a real browser: headless Chromium loads a page from another origin (a small server
 * of the test's own on another port), whose script subscribes to a real node twice, once with
 * {@code access_token} and once with the {@code crier_token} cookie (so across origins, with
 * credentials, through CORS), and reports every event it receives back to the page's server.
 */
class BrowserEventSourceTest {
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

  private static final String RESTART_PAGE =
      """
      <!doctype html><html><head><title>crier</title></head><body><script>
      const q = new URLSearchParams(location.search);
      let reported = Promise.resolve();
      function report(kind, text) {
        reported = reported.then(() => fetch('/report?kind=' + kind, {method: 'POST', body: text}));
      }
      window.onerror = (m) => report('error', String(m));
      const es = new EventSource(
          q.get('node') + '/events/browser/restart?replay=1&access_token=' + q.get('token'));
      es.onmessage = (e) => report('event', e.data);
      es.onerror = () => report('down', String(es.readyState));
      </script></body></html>
      """;

  /**
   * The node is stopped and started again on the same port with the same journal: the browser
   * reconnects by itself, sends the last id it saw, and gets what was published meanwhile once, and
   * nothing twice. A reconnect that lands while the new node is still starting waits for it instead
   * of getting a 503, which EventSource would take as final.
   */
  @Test
  void eventSourceReconnectsByItselfAcrossARestartAndMissesNothing(
      @TempDir Path profile, @TempDir Path data) throws Exception {
    String token = TestNode.allAccess();
    int port = NodeProcess.freePort();
    try (BrowserPage page = new BrowserPage(RESTART_PAGE, null)) {
      String hocon =
          "crier.http.port = "
              + port
              + "\ncrier.history.store = journal\ncrier.data-dir = \""
              + data
              + "\"\ncrier.subscribe.retry = 500ms\ncrier.http.cors.allowed-origins = [\""
              + page.origin()
              + "\"]\n";
      TestNode first = TestNode.start(hocon);
      try {
        assertEquals(201, Http.publish(first, "browser/restart", "before", token).status());
        page.open("node=http://127.0.0.1:" + port + "&token=" + token, profile);
        assertEquals(List.of("event:before"), page.take(1));
        assertEquals(201, Http.publish(first, "browser/restart", "live", token).status());
        assertEquals(List.of("event:live"), page.take(1));
      } finally {
        first.close();
      }
      try (TestNode second = TestNode.start(hocon)) {
        assertEquals(201, Http.publish(second, "browser/restart", "after", token).status());
        List<String> events = new ArrayList<>();
        while (events.isEmpty()) {
          page.take(1).stream().filter(r -> r.startsWith("event:")).forEach(events::add);
        }
        assertEquals(List.of("event:after"), events, "resumed after the last id it saw");
        String more;
        while ((more = page.poll(Duration.ofMillis(1500))) != null) {
          assertTrue(more.startsWith("down:"), "nothing twice, nothing else: " + more);
        }
      }
    }
  }

  @Test
  void eventSourceWithTokenAndWithCookieAcrossOrigins(@TempDir Path profile) throws Exception {
    String token = TestNode.allAccess();
    try (BrowserPage page = new BrowserPage(PAGE, token);
        TestNode node =
            TestNode.start("crier.http.cors.allowed-origins = [\"" + page.origin() + "\"]")) {
      for (String topic : List.of("browser/token", "browser/cookie")) {
        for (String data : List.of("past-1", "past-2")) {
          assertEquals(201, Http.publish(node, topic, data, token).status());
        }
      }
      String nodeUrl = "http://127.0.0.1:" + node.http("/").getPort();
      page.open(
          "node=" + URLEncoder.encode(nodeUrl, StandardCharsets.UTF_8) + "&token=" + token,
          profile);

      List<String> replayed = page.take(4);
      assertTrue(
          replayed.containsAll(
              List.of("token:past-1", "token:past-2", "cookie:past-1", "cookie:past-2")),
          "replayed: " + replayed);
      assertEquals(201, Http.publish(node, "browser/token", "live", token).status());
      assertEquals(201, Http.publish(node, "browser/cookie", "live", token).status());
      List<String> live = page.take(2);
      assertTrue(live.containsAll(List.of("token:live", "cookie:live")), "live: " + live);
      assertEquals(
          null,
          page.poll(Duration.ofMillis(500)),
          "nothing else was reported (no error, no event twice)");
    }
  }
}
