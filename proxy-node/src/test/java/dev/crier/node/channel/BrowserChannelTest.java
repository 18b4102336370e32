package dev.crier.node.channel;

import static dev.crier.node.support.ChannelCalls.create;
import static dev.crier.node.support.ChannelCalls.write;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crier.node.support.BrowserPage;
import dev.crier.node.support.ChannelCalls;
import dev.crier.node.support.TestNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guide's backend-to-browser example in a real browser: headless Chromium loads a page from
 * another origin whose EventSource reads a channel by its consumer address alone (no token), gets
 * the messages written before it came and after, each under its stream's event name, and closes
 * itself when the channel is deleted.
 */
class BrowserChannelTest {
  private static final String PAGE =
      """
      <!doctype html><html><head><title>crier</title></head><body><script>
      const q = new URLSearchParams(location.search);
      let reported = Promise.resolve();
      function report(kind, text) {
        reported = reported.then(() => fetch('/report?kind=' + kind, {method: 'POST', body: text}));
      }
      window.onerror = (m) => report('error', String(m));
      const es = new EventSource(q.get('node') + '/channels/' + q.get('consumer'));
      es.addEventListener('progress', (e) => report('progress', e.data + '@' + e.lastEventId));
      es.addEventListener('done', (e) => report('done', JSON.parse(e.data).url));
      es.addEventListener('crier.closed', (e) => { es.close(); report('closed', e.data); });
      es.onerror = () => { if (es.readyState === EventSource.CLOSED) report('error', 'closed'); };
      </script></body></html>
      """;

  @Test
  void anEventSourceReadsAChannelByItsAddressAlone(@TempDir Path profile) throws Exception {
    try (BrowserPage page = new BrowserPage(PAGE, null);
        TestNode node =
            TestNode.start("crier.http.cors.allowed-origins = [\"" + page.origin() + "\"]")) {
      ChannelCalls.Created channel = create(node);
      write(node, channel.producer(), "progress", "25%");
      write(node, channel.producer(), "progress", "50%");
      page.open("node=" + node.http("") + "&consumer=" + channel.consumer(), profile);
      assertEquals(List.of("progress:25%@1", "progress:50%@2"), page.take(2));
      write(node, channel.producer(), "done", "{\"url\":\"/reports/7.pdf\"}");
      assertEquals(List.of("done:/reports/7.pdf"), page.take(1));
      assertEquals(204, ChannelCalls.delete(node, channel.producer()).status());
      assertEquals(List.of("closed:{\"reason\":\"deleted\"}"), page.take(1));
    }
  }
}
