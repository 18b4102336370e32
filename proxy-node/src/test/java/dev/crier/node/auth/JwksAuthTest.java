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
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Keys from a JWK Set URL served by a real local HTTP server: rotation, unknown kids, outage. */
@ExtendWith(LogCapturingExtension.class)
class JwksAuthTest {
  private final List<RSAKey> published = new CopyOnWriteArrayList<>();
  private final AtomicInteger fetches = new AtomicInteger();
  private final AtomicBoolean failing = new AtomicBoolean();
  private final AtomicInteger failedFetches = new AtomicInteger();

  /** When the set was last served (System.nanoTime), so an outage can be timed from it. */
  private final AtomicLong lastServed = new AtomicLong();

  private HttpServer jwksServer() throws Exception {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext(
        "/jwks.json",
        exchange -> {
          try (exchange) {
            fetches.incrementAndGet();
            if (failing.get()) {
              failedFetches.incrementAndGet();
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
            lastServed.set(System.nanoTime());
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
      // Past the cached set's 2 s the node tries the failing URL; every publish meanwhile, and the
      // ones after, are verified by the last good set.
      Await.until(
          Duration.ofSeconds(20),
          () -> {
            assertEquals(
                201,
                Http.publish(node, "idp/a", "x", rs256(first)).status(),
                "the last good set keeps verifying during an outage");
            return fetches.get() > beforeOutage;
          },
          () -> "the node never tried the failing URL");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aKeyRemovedFromTheSetStopsItsTokensThoughTheirVerificationIsCached() throws Exception {
    RSAKey removed = new RSAKeyGenerator(2048).keyID("k1").generate();
    RSAKey kept = new RSAKeyGenerator(2048).keyID("k2").generate();
    published.add(removed);
    published.add(kept);
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
      String token = rs256(removed);
      String other = rs256(kept);
      for (String t : List.of(token, token, other, other)) {
        assertEquals(201, Http.publish(node, "idp/a", "x", t).status());
      }
      assertEquals(2, node.metric("crier_auth_jwt_cache_hits_total"), "both tokens are cached");

      // The identity provider withdraws k1 (compromised, say): its tokens, valid for another
      // hour, are refused once the node has the new set, not when they expire.
      published.remove(removed);
      Await.until(
          Duration.ofSeconds(15),
          () -> Http.publish(node, "idp/a", "x", token).status() == 401,
          () -> "a token of a key withdrawn from the set was still accepted");
      assertEquals(201, Http.publish(node, "idp/a", "x", other).status(), "k2 stays");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void duringAnOutageTheLastGoodSetVerifiesForOutageTtlThenTokensGet503() throws Exception {
    Duration cacheTtl = Duration.ofSeconds(2);
    Duration outageTtl = Duration.ofSeconds(6);
    RSAKey key = new RSAKeyGenerator(2048).keyID("k1").generate();
    published.add(key);
    HttpServer server = jwksServer();
    try (TestNode node =
        TestNode.start(
            "crier.auth.jwt.jwks {\n"
                + "  url = \"http://127.0.0.1:"
                + server.getAddress().getPort()
                + "/jwks.json\"\n"
                + "  cache-ttl = "
                + cacheTtl.toMillis()
                + "ms\n"
                + "  refresh-ahead = 500ms\n"
                + "  timeout = 1s\n"
                + "  min-refetch-interval = 1s\n"
                + "  outage-ttl = "
                + outageTtl.toMillis()
                + "ms\n"
                + "}")) {
      String token = rs256(key);
      assertEquals(201, Http.publish(node, "idp/a", "x", token).status());
      failing.set(true);
      long lastGood = lastServed.get();
      // Once the cached set has run out and the URL has failed, only the outage copy verifies.
      Await.until(
          Duration.ofSeconds(20),
          () ->
              failedFetches.get() > 0
                  && System.nanoTime() - lastServed.get() > cacheTtl.toNanos() + 200_000_000L,
          () -> "the node never asked the failing URL");
      assertEquals(
          201,
          Http.publish(node, "idp/a", "x", token).status(),
          "the last good set verifies during an outage shorter than outage-ttl");
      lastGood = lastServed.get();

      Await.until(
          Duration.ofSeconds(30),
          () -> Http.publish(node, "idp/a", "x", token).status() != 201,
          () -> "the last good set was used beyond outage-ttl");
      Duration keptFor = Duration.ofNanos(System.nanoTime() - lastGood);
      assertTrue(
          keptFor.compareTo(outageTtl) >= 0,
          "refused " + keptFor + " after the last good fetch, before outage-ttl " + outageTtl);
      // Every answer now says "try again", also when a fetch is refused by the refetch limit: the
      // token may be good, the keys are what is missing.
      for (int i = 0; i < 5; i++) {
        Http.Answer refused = Http.publish(node, "idp/a", "x", token);
        assertEquals(503, refused.status(), String.valueOf(refused.json()));
        assertEquals("auth_unavailable", refused.json().get("error").asText());
        assertEquals(Optional.of("5"), refused.raw().headers().firstValue("Retry-After"));
      }

      failing.set(false);
      Await.until(
          Duration.ofSeconds(20),
          () -> Http.publish(node, "idp/a", "x", token).status() == 201,
          () -> "the set was not fetched again once the URL answered");
    } finally {
      server.stop(0);
    }
  }
}
