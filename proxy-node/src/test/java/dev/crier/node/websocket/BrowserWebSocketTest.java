package dev.crier.node.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crier.node.support.BrowserPage;
import dev.crier.node.support.Http;
import dev.crier.node.support.TestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A WebSocket in a real browser: headless Chromium loads a page from another origin whose script
 * opens a socket to a real node, authenticates with its first frame, subscribes in at-least-once
 * mode with a replay, acks every event, publishes over the socket, and reports what it received. A
 * second socket authenticates with the {@code crier_token} cookie, which the node takes from this
 * origin because CORS allows it with credentials.
 */
class BrowserWebSocketTest {
  private static final String PAGE =
      """
      <!doctype html><html><head><title>crier</title></head><body><script>
      const q = new URLSearchParams(location.search);
      let reported = Promise.resolve();
      function report(kind, text) {
        reported = reported.then(() => fetch('/report?kind=' + kind, {method: 'POST', body: text}));
      }
      window.onerror = (m) => report('error', String(m));
      // The page publishes once both sockets are subscribed, so that both receive its event.
      let subscribed = 0;
      function bothSubscribed() {
        if (++subscribed === 2) {
          byFrame.send(JSON.stringify({publish: {topic: 'browser/ws', data: {from: 'page'}}, ref: 'p'}));
        }
      }
      const byFrame = new WebSocket(q.get('ws').replace('127.0.0.1', 'localhost'));
      byFrame.onopen = () => {
        byFrame.send(JSON.stringify({auth: q.get('token')}));
        byFrame.send(JSON.stringify({subscribe: ['browser/ws'], replay: 2, ack: true, ref: 's'}));
      };
      byFrame.onmessage = (m) => {
        const f = JSON.parse(m.data);
        if (f.subscribed) {
          report('subscribed', f.ack + ':' + f.ref);
          bothSubscribed();
        } else if (f.published) {
          report('published', f.ref + ':' + f.published.topic);
        } else if (f.topic) {
          byFrame.send(JSON.stringify({ack: f.id}));
          report('frame', typeof f.data === 'object' ? 'json:' + f.data.from : f.data);
        } else if (!f.authenticated) {
          report('error', m.data);
        }
      };
      byFrame.onclose = (e) => report('closed', String(e.code));
      const byCookie = new WebSocket(q.get('ws'));
      byCookie.onopen = () => byCookie.send(JSON.stringify({subscribe: ['browser/ws']}));
      byCookie.onmessage = (m) => {
        const f = JSON.parse(m.data);
        if (f.subscribed) bothSubscribed();
        if (f.topic) report('cookie', typeof f.data === 'object' ? 'json:' + f.data.from : f.data);
      };
      byCookie.onclose = (e) => report('error', 'cookie socket closed ' + e.code);
      </script></body></html>
      """;

  @Test
  void aPageSubscribesAcksAndPublishesOverAWebSocket(@TempDir Path profile) throws Exception {
    String token = TestNode.allAccess();
    try (BrowserPage page = new BrowserPage(PAGE, token);
        TestNode node =
            TestNode.start(
                "crier.http.cors.allowed-origins = [\""
                    + page.origin()
                    + "\"]\n"
                    + "crier.http.cors.allow-credentials = on\n")) {
      for (String data : List.of("past-1", "past-2", "past-3")) {
        assertEquals(201, Http.publish(node, "browser/ws", data, token).status());
      }
      String ws = "ws://127.0.0.1:" + node.http("/").getPort() + "/ws";
      page.open("ws=" + ws + "&token=" + token, profile);

      List<String> first = page.take(6);
      List<String> byFrame = first.stream().filter(r -> !r.startsWith("cookie:")).toList();
      assertEquals(
          List.of("subscribed:true:s", "frame:past-2", "frame:past-3"),
          byFrame.subList(0, 3),
          "in order, the subscription's answer and then the replay: " + first);
      assertEquals(
          List.of("frame:json:page", "published:p:browser/ws"),
          byFrame.subList(3, byFrame.size()).stream().sorted().toList(),
          "the page's own publish is answered and comes back as JSON: " + first);
      assertEquals(
          List.of("cookie:json:page"),
          first.stream().filter(r -> r.startsWith("cookie:")).toList());
      assertEquals(201, Http.publish(node, "browser/ws", "live", token).status());
      List<String> live = page.take(2);
      assertEquals(
          List.of("cookie:live", "frame:live"), live.stream().sorted().toList(), "live: " + live);
      assertEquals(
          null,
          page.poll(Duration.ofMillis(500)),
          "nothing else was reported (no error, no event twice)");
    }
  }
}
