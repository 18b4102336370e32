package dev.crier.node.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.Nngcat;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import dev.crier.protocol.envelope.BridgeMessage;
import dev.crier.protocol.envelope.EventEnvelope;
import dev.crier.protocol.envelope.Hello;
import dev.crier.protocol.envelope.PushedEvent;
import dev.crier.protocol.sp.SpFrameEncoder;
import dev.crier.protocol.sp.SpHeader;
import dev.crier.protocol.sp.SpProtocol;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A node's bridge listener against real libnng peers ({@code nngcat}) and against hand-made SP
 * connections that break the rules.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NngInteropTest {
  private static final String TOKEN = TestNode.allAccess();
  private static final Duration WAIT = Duration.ofSeconds(20);
  private TestNode node;

  @BeforeAll
  void start() {
    node = TestNode.start("crier.bridge.tap.enabled = on\ncrier.publish.max-bytes = 1000\n");
  }

  @AfterAll
  void stop() {
    node.close();
  }

  private String url() {
    return "tcp://127.0.0.1:" + node.bridgePort();
  }

  private JsonNode bridge() throws Exception {
    return Http.get(node.management("/crier/bridge"), null).json();
  }

  private long counter(String group, String name) throws Exception {
    JsonNode value = bridge().path(group).path(name);
    return value.isMissingNode() ? 0 : value.asLong();
  }

  private void awaitCounter(String group, String name, long atLeast) throws Exception {
    Await.until(
        WAIT,
        () -> counter(group, name) >= atLeast,
        () -> group + "." + name + " stayed below " + atLeast);
  }

  @Test
  void anNngPushIsPublishedLikeAnHttpPublish() throws Exception {
    Nngcat.assumeInstalled();
    String topic = "orders/" + UUID.randomUUID();
    SseClient stream = SseClient.open(node.http("/events/" + topic), TOKEN);
    Path message = Files.createTempFile("pushed", ".bin");
    Files.write(message, new PushedEvent(topic, "{\"id\":1}").encode());
    long accepted = counter("ingest", "accepted");
    Process push = Nngcat.start("--push", "--dial", url(), "--file", message.toString());
    assertTrue(push.waitFor(20, TimeUnit.SECONDS));
    assertEquals(0, push.exitValue());
    assertEquals("{\"id\":1}", stream.next(WAIT).data());
    assertEquals(accepted + 1, counter("ingest", "accepted"));
    Http.Answer history = Http.get(node.http("/topics/" + topic + "/events"), TOKEN);
    assertEquals(1, history.json().get("events").size(), history.raw().body());
  }

  @Test
  void theTapDeliversHttpPublishesToAnNngSubscriberTopicFirst() throws Exception {
    Nngcat.assumeInstalled();
    String topic = "orders/" + UUID.randomUUID();
    long subscribers = counter("tap", "subscribers");
    Process sub =
        Nngcat.start(
            "--sub",
            "--dial",
            url(),
            "--subscribe",
            topic,
            "--raw",
            "--count",
            "1",
            "--recv-timeout",
            "20");
    try {
      awaitCounter("tap", "subscribers", subscribers + 1);
      assertEquals(
          201, Http.publish(node, "other/" + UUID.randomUUID(), "not this", TOKEN).status());
      Http.Answer published = Http.publish(node, topic, "for the tap", TOKEN);
      assertEquals(201, published.status());
      assertTrue(sub.waitFor(20, TimeUnit.SECONDS), "nngcat received nothing");
      byte[] raw = sub.getInputStream().readAllBytes();
      EventEnvelope event = (EventEnvelope) BridgeMessage.decode(raw);
      assertEquals(topic, event.topic());
      assertEquals("for the tap", event.data());
      assertEquals(published.json().get("id").asText(), event.position().toString());
    } finally {
      sub.destroyForcibly();
    }
  }

  @Test
  void aPeerOfTheWrongProtocolIsRefused() throws Exception {
    Nngcat.assumeInstalled();
    long refused = counter("refused", "unsupported_protocol");
    Process pull = Nngcat.start("--pull", "--dial", url(), "--count", "1", "--recv-timeout", "2");
    try {
      awaitCounter("refused", "unsupported_protocol", refused + 1);
    } finally {
      pull.destroyForcibly();
    }
  }

  /**
   * Opens an SP connection by hand, sends {@code bytes}, and reads until the node closes it (a
   * close with our bytes unread arrives as a reset).
   */
  private byte[] exchange(byte[] bytes) throws Exception {
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    try (Socket socket = new Socket("127.0.0.1", node.bridgePort())) {
      socket.setSoTimeout((int) WAIT.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(bytes);
      out.flush();
      InputStream in = socket.getInputStream();
      for (int b = in.read(); b >= 0; b = in.read()) {
        received.write(b);
      }
    } catch (SocketException reset) {
      // closed by the node
    }
    return received.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    byte[] out = new byte[0];
    for (byte[] part : parts) {
      int at = out.length;
      out = Arrays.copyOf(out, at + part.length);
      System.arraycopy(part, 0, out, at, part.length);
    }
    return out;
  }

  @Test
  void brokenPeersAreClosedAndCountedAndGoodPushesStillCount() throws Exception {
    long oversize = counter("refused", "oversize");
    exchange(
        concat(
            SpHeader.encode(SpProtocol.PUSH0),
            new byte[] {0, 0, 0, 1, 0, 0, 0, 0})); // announces a 4 GiB message
    awaitCounter("refused", "oversize", oversize + 1);

    long badMagic = counter("refused", "bad_magic");
    assertEquals(0, exchange("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)).length);
    awaitCounter("refused", "bad_magic", badMagic + 1);

    long stranger = counter("refused", "not_a_member");
    exchange(
        concat(
            SpHeader.encode(SpProtocol.BUS0),
            SpFrameEncoder.frame(new Hello("intruder", "pekko://crier@127.0.0.1:1").encode())));
    awaitCounter("refused", "not_a_member", stranger + 1);

    String topic = "pushed/" + UUID.randomUUID();
    SseClient stream = SseClient.open(node.http("/events/" + topic), TOKEN);
    long tooLarge = bridge().path("ingest").path("rejected").path("too_large").asLong();
    long badTopic = bridge().path("ingest").path("rejected").path("invalid").asLong();
    byte[] pushes =
        concat(
            SpHeader.encode(SpProtocol.PUSH0),
            SpFrameEncoder.frame("no/zero/byte".getBytes(StandardCharsets.US_ASCII)),
            SpFrameEncoder.frame(new PushedEvent(topic, "x".repeat(1001)).encode()),
            SpFrameEncoder.frame(new PushedEvent(topic, "kept").encode()));
    try (Socket socket = new Socket("127.0.0.1", node.bridgePort())) {
      socket.getOutputStream().write(pushes);
      assertEquals("kept", stream.next(WAIT).data());
    }
    JsonNode rejected = bridge().path("ingest").path("rejected");
    assertEquals(badTopic + 1, rejected.path("invalid").asLong());
    assertEquals(tooLarge + 1, rejected.path("too_large").asLong());
  }
}
