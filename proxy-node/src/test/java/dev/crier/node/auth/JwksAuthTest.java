package dev.crier.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.TestNode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Keys from a JWK Set URL served by a real local HTTP server: rotation, unknown kids, outage. */
@ExtendWith(LogCapturingExtension.class)
class JwksAuthTest {
  private final List<RSAKey> published = new CopyOnWriteArrayList<>();
  private final AtomicInteger fetches = new AtomicInteger();
  private final AtomicBoolean failing = new AtomicBoolean();

  private HttpServer jwksServer() throws Exception {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext(
        "/jwks.json",
        exchange -> {
          try (exchange) {
            fetches.incrementAndGet();
            if (failing.get()) {
              exchange.sendResponseHeaders(500, -1);
              return;
            }
            byte[] body =
                new JWKSet(List.copyOf(published))
                    .toPublicJWKSet()
                    .toString()
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
          }
        });
    server.start();
    return server;
  }

  private static String rs256(RSAKey key) throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
            new JWTClaimsSet.Builder()
                .subject("idp-user")
                .expirationTime(new Date(System.currentTimeMillis() + 3_600_000))
                .claim("crier.publish", List.of("idp/*"))
                .build());
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  @Test
  void keysAreFetchedRotatedRateLimitedAndKeptThroughAnOutage() throws Exception {
    RSAKey first = new RSAKeyGenerator(2048).keyID("k1").generate();
    RSAKey rotated = new RSAKeyGenerator(2048).keyID("k2").generate();
    RSAKey unknown = new RSAKeyGenerator(2048).keyID("k3").generate();
    published.add(first);
    HttpServer server = jwksServer();
    try (TestNode node =
        TestNode.start(
            "crier.auth.jwt.jwks {\n"
                + "  url = \"http://127.0.0.1:"
                + server.getAddress().getPort()
                + "/jwks.json\"\n"
                + "  cache-ttl = 2s\n"
                + "  refresh-ahead = 500ms\n"
                + "  timeout = 1s\n"
                + "  min-refetch-interval = 1s\n"
                + "  outage-ttl = 1h\n"
                + "}")) {
      assertEquals(201, Http.publish(node, "idp/a", "x", rs256(first)).status());
      int afterFirst = fetches.get();
      assertTrue(afterFirst >= 1);

      published.add(rotated);
      String rotatedToken = rs256(rotated);
      // Found once the refetch interval since the first fetch has passed.
      Await.until(
          Duration.ofSeconds(10),
          () -> Http.publish(node, "idp/a", "x", rotatedToken).status() == 201,
          () -> "a token of the rotated key was never accepted");

      int beforeFlood = fetches.get();
      for (int i = 0; i < 20; i++) {
        assertEquals(401, Http.publish(node, "idp/a", "x", rs256(unknown)).status());
      }
      assertTrue(
          fetches.get() - beforeFlood <= 2,
          "20 unknown kids within the interval fetched " + (fetches.get() - beforeFlood) + "x");
      assertEquals(
          403, Http.publish(node, "other", "x", rs256(first)).status(), "grants still apply");

      failing.set(true);
      int beforeOutage = fetches.get();
      // Outlive the cached set's 2 s: what is tested is the time running out.
      Thread.sleep(2500);
      assertEquals(
          201,
          Http.publish(node, "idp/a", "x", rs256(first)).status(),
          "the last good set keeps verifying during an outage");
      assertTrue(fetches.get() > beforeOutage, "the node did try the failing URL");
    } finally {
      server.stop(0);
    }
  }
}
