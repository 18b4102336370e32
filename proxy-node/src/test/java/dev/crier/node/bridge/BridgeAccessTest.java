package dev.crier.node.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.TestNode;
import dev.crier.protocol.sp.SpHeader;
import dev.crier.protocol.sp.SpProtocol;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Who may use a node's bridge listener: allow-lists for ingest, the tap off by default. */
class BridgeAccessTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void addressRangesMatchByPrefix() throws Exception {
    AddressRange loopback = AddressRange.parse("127.0.0.0/8");
    assertTrue(loopback.contains(InetAddress.getByName("127.1.2.3")));
    assertFalse(loopback.contains(InetAddress.getByName("128.0.0.1")));
    assertFalse(loopback.contains(InetAddress.getByName("::1")));
    assertTrue(AddressRange.parse("::1/128").contains(InetAddress.getByName("::1")));
    assertTrue(AddressRange.parse("10.1.2.3").contains(InetAddress.getByName("10.1.2.3")));
    assertFalse(AddressRange.parse("10.1.2.3").contains(InetAddress.getByName("10.1.2.4")));
    assertTrue(AddressRange.parse("192.168.0.0/23").contains(InetAddress.getByName("192.168.1.9")));
    assertFalse(
        AddressRange.parse("192.168.0.0/23").contains(InetAddress.getByName("192.168.2.9")));
    assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("example.com/8"));
    assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("10.0.0.0/33"));
  }

  /** Connects with the given protocol and returns what the node sent before closing. */
  private static int answerLength(TestNode node, SpProtocol protocol) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", node.bridgePort())) {
      socket.setSoTimeout((int) WAIT.toMillis());
      socket.getOutputStream().write(SpHeader.encode(protocol));
      InputStream in = socket.getInputStream();
      return in.readAllBytes().length;
    } catch (SocketException reset) {
      return 0;
    }
  }

  private static long refused(TestNode node, String reason) throws Exception {
    JsonNode refused = Http.get(node.management("/crier/bridge"), null).json().path("refused");
    return refused.path(reason).asLong();
  }

  @Test
  void pushesFromOutsideTheAllowListAndTapsOfANodeWithoutTapAreRefused() throws Exception {
    try (TestNode node = TestNode.start("crier.bridge.ingest.allow = [\"10.0.0.0/8\"]\n")) {
      // the node counts a refusal once the connection is closed
      assertEquals(0, answerLength(node, SpProtocol.PUSH0));
      Await.until(WAIT, () -> refused(node, "ingest_not_allowed") == 1, () -> "push not refused");
      assertEquals(0, answerLength(node, SpProtocol.SUB0));
      Await.until(WAIT, () -> refused(node, "tap_not_allowed") == 1, () -> "tap not refused");
    }
  }
}
