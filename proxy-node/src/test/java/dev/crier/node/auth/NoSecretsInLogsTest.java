package dev.crier.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Tokens and signing secrets never reach the logs, at Crier's debug level, whichever way a token
 * arrives and whether it is accepted or refused.
 */
class NoSecretsInLogsTest {

  @Test
  void noTokenOrSecretIsLogged() throws Exception {
    LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = logging.getLogger(Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.setContext(logging);
    captured.start();
    root.addAppender(captured);
    String good = TestNode.allAccess();
    String expired =
        new TokenMinter(TestNode.SECRET)
            .mint("gone", List.of("*"), List.of("*"), false, Duration.ofSeconds(-120));
    String forged = good.substring(0, good.lastIndexOf('.') + 1) + "AAAAforgedsignature";
    try (TestNode node = TestNode.start()) {
      SseClient header = SseClient.open(node.http("/events/secrets"), good);
      SseClient query = SseClient.open(node.http("/events/secrets?access_token=" + good), Map.of());
      SseClient cookie =
          SseClient.open(node.http("/events/secrets"), Map.of("Cookie", "crier_token=" + good));
      assertEquals(201, Http.publish(node, "secrets", "x", good).status());
      for (SseClient s : List.of(header, query, cookie)) {
        assertEquals("x", s.next(Duration.ofSeconds(10)).data());
        s.close();
      }
      assertEquals(401, Http.get(node.http("/events/secrets"), expired).status());
      assertEquals(401, Http.get(node.http("/events/secrets"), forged).status());
      assertEquals(
          401,
          Http.send(
                  HttpRequest.newBuilder(node.http("/events/secrets?access_token=" + forged))
                      .build())
              .status());
      assertEquals(401, Http.publish(node, "secrets", "y", expired).status());
    } finally {
      root.detachAppender(captured);
    }
    List<String> lines = new ArrayList<>();
    for (ILoggingEvent e : captured.list) {
      lines.add(e.getFormattedMessage() + " " + e.getMDCPropertyMap());
      if (e.getThrowableProxy() != null) {
        lines.add(e.getThrowableProxy().getMessage());
      }
    }
    assertTrue(lines.size() > 5, "nothing was logged at debug: " + lines);
    for (String line : lines) {
      for (String secret : List.of(good, expired, forged, TestNode.SECRET)) {
        String signature = secret.substring(secret.lastIndexOf('.') + 1);
        assertFalse(line.contains(signature), "a secret was logged: " + line);
      }
    }
  }
}
