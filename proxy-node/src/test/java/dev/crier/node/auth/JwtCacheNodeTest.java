package dev.crier.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The cache of verified tokens on a real node: reconnects with one token verify it once, the metric
 * counts the rest, and neither revocation nor expiry waits for the cache.
 */
@ExtendWith(LogCapturingExtension.class)
class JwtCacheNodeTest {
  private static final String HITS = "crier_auth_jwt_cache_hits_total";
  private static final String GRANTED =
      "crier_auth_verifications_total{result=\"granted\",verifier=\"jwt\"}";

  @Test
  void reconnectsWithOneTokenVerifyItOnceAndTheMetricCountsTheRest() throws Exception {
    try (TestNode node = TestNode.start()) {
      String token = TestNode.token(List.of("storm/*"), List.of());
      for (int i = 0; i < 10; i++) {
        try (SseClient stream = SseClient.open(node.http("/events/storm/a"), token)) {
          assertEquals(200, stream.status());
        }
      }
      assertEquals(10, node.metric(GRANTED));
      assertEquals(9, node.metric(HITS), "verified on the first connect only");
    }
  }

  @Test
  void aRevokedTokenIsRefusedThoughItsVerificationIsCached() throws Exception {
    try (TestNode node = TestNode.start()) {
      String admin =
          new TokenMinter(TestNode.SECRET)
              .mint("ops", List.of(), List.of(), true, Duration.ofMinutes(10));
      TokenMinter.Minted minted =
          new TokenMinter(TestNode.SECRET)
              .mint("carol", List.of(), List.of("feed/*"), false, null, Duration.ofMinutes(10));
      assertEquals(201, Http.publish(node, "feed/a", "x", minted.token()).status());
      assertEquals(201, Http.publish(node, "feed/a", "x", minted.token()).status());
      double hits = node.metric(HITS);
      assertTrue(hits >= 1, "the second publish was answered from the cache");

      Http.Answer revoked =
          Http.send(
              HttpRequest.newBuilder(
                      node.management(
                          "/admin/tokens/"
                              + minted.tokenId()
                              + "?expiresAt="
                              + minted.expiresAt().getEpochSecond()))
                  .header("Authorization", "Bearer " + admin)
                  .DELETE()
                  .build());
      assertEquals(200, revoked.status(), String.valueOf(revoked.json()));
      Await.until(
          Duration.ofSeconds(5),
          () -> Http.publish(node, "feed/a", "x", minted.token()).status() == 401,
          () -> "the revoked token was still accepted");
      assertTrue(node.metric(HITS) > hits, "refused while its verification was cached");
    }
  }

  @Test
  void aCachedTokenIsRefusedOnceItHasExpiredBeyondTheLeeway() throws Exception {
    Duration leeway = Duration.ofSeconds(1);
    try (TestNode node = TestNode.start("crier.auth.jwt.leeway = 1s")) {
      TokenMinter.Minted minted =
          new TokenMinter(TestNode.SECRET)
              .mint("dan", List.of(), List.of("feed/*"), false, null, Duration.ofSeconds(2));
      long refusableFrom = minted.expiresAt().plus(leeway).toEpochMilli();
      assertEquals(201, Http.publish(node, "feed/a", "x", minted.token()).status());
      assertEquals(201, Http.publish(node, "feed/a", "x", minted.token()).status());
      assertEquals(1, node.metric(HITS));
      Await.until(
          Duration.ofSeconds(10),
          () -> {
            long sent = System.currentTimeMillis();
            int status = Http.publish(node, "feed/a", "x", minted.token()).status();
            assertTrue(
                status == 201 || System.currentTimeMillis() >= refusableFrom,
                "refused before its exp plus the leeway");
            assertTrue(
                status == 401 || sent < refusableFrom, "accepted after its exp plus the leeway");
            return status == 401;
          },
          () -> "the expired token was still accepted");
    }
  }
}
