package dev.crier.node.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crier.node.support.Http;
import dev.crier.node.support.TestNode;
import dev.crier.node.support.WsClient;
import java.net.URI;
import org.junit.jupiter.api.Test;

class WebSocketSmokeTest {
  @Test
  void subscribeAndReceive() throws Exception {
    try (TestNode node = TestNode.start()) {
      URI ws = URI.create(node.http("/ws").toString().replace("http:", "ws:"));
      try (WsClient client = WsClient.open(ws, TestNode.allAccess())) {
        client.send("{\"subscribe\":[\"a\"],\"ref\":\"s1\"}");
        JsonNode subscribed = client.next();
        System.out.println(subscribed);
        assertEquals(201, Http.publish(node, "a", "{\"n\":1}", TestNode.allAccess()).status());
        JsonNode event = client.next();
        System.out.println(event);
        assertEquals(1, event.get("data").get("n").asInt());
      }
    }
  }
}
