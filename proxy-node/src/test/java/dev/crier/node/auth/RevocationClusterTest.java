package dev.crier.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A token revoked on one node is refused, and its streams end, on every node of a cluster, also on
 * one that joins later; the revocation is dropped once the token has expired.
 */
@ExtendWith(LogCapturingExtension.class)
class RevocationClusterTest {
  private static final Duration FORMED = Duration.ofSeconds(60);
  private static final String SIGNING = "crier.auth.signing.secret = \"" + TestNode.SECRET + "\"\n";
  private static final String ADMIN =
      new TokenMinter(TestNode.SECRET)
          .mint("ops", List.of(), List.of(), true, Duration.ofMinutes(10));
  private static final String REVOKED_GAUGE = "crier_auth_revoked_tokens";

  private static JsonNode mint(TestNode node, String sub, int ttlSeconds) throws Exception {
    Http.Answer minted =
        Http.postJson(
            node.management("/admin/tokens"),
            "{\"sub\":\""
                + sub
                + "\",\"subscribe\":[\"feed/*\"],\"publish\":[\"feed/*\"],\"ttlSeconds\":"
                + ttlSeconds
                + "}",
            ADMIN);
    assertEquals(201, minted.status());
    return minted.json();
  }

  private static Http.Answer revoke(TestNode node, JsonNode minted) throws Exception {
    return Http.send(
        HttpRequest.newBuilder(
                node.management(
                    "/admin/tokens/"
                        + minted.get("jti").asText()
                        + "?expiresAt="
                        + minted.get("expiresAt").asLong()))
            .header("Authorization", "Bearer " + ADMIN)
            .DELETE()
            .build());
  }

  @Test
  void aTokenRevokedOnOneNodeIsRefusedAndItsStreamsEndEverywhereWithinFiveSeconds()
      throws Exception {
    try (TestNode first = TestNode.start(SIGNING);
        TestNode second = TestNode.joining(first, SIGNING);
        TestNode third = TestNode.joining(first, SIGNING)) {
      Await.until(
          FORMED,
          () -> first.upMembers() == 3 && second.upMembers() == 3 && third.upMembers() == 3,
          () -> "cluster of three did not form");
      JsonNode minted = mint(first, "carol", 600);
      String token = minted.get("token").asText();
      String tokenId = minted.get("jti").asText();
      String other = mint(first, "dave", 600).get("token").asText();
      List<TestNode> nodes = List.of(first, second, third);

      try (SseClient onFirst = SseClient.open(first.http("/events/feed/a"), token);
          SseClient onSecond = SseClient.open(second.http("/events/feed/a"), token);
          SseClient onThird = SseClient.open(third.http("/events/feed/a"), token);
          SseClient bystander = SseClient.open(third.http("/events/feed/a"), other)) {
        for (SseClient stream : List.of(onFirst, onSecond, onThird)) {
          assertEquals(200, stream.status());
        }
        for (TestNode node : nodes) {
          assertEquals(0.0, node.metric(REVOKED_GAUGE));
        }
        Http.Answer revoked = revoke(first, minted);
        assertEquals(200, revoked.status());
        assertEquals(
            "{\"jti\":\""
                + tokenId
                + "\",\"revokedUntil\":"
                + minted.get("expiresAt").asLong()
                + ",\"replicated\":true}",
            revoked.raw().body());
        assertEquals(tokenId, revoked.json().get("jti").asText());
        assertEquals(minted.get("expiresAt").asLong(), revoked.json().get("revokedUntil").asLong());
        assertTrue(revoked.json().get("replicated").asBoolean());
        long revokedAt = System.nanoTime();

        // The stream on the revoking node ends as surely as those on the others.
        for (SseClient stream : List.of(onFirst, onSecond, onThird)) {
          stream.ended().get(5, TimeUnit.SECONDS);
        }
        for (TestNode node : nodes) {
          Await.until(
              Duration.ofSeconds(5),
              () ->
                  node.metric("crier_sse_disconnects_total{reason=\"revoked\",transport=\"sse\"}")
                      == 1.0,
              () -> "a revoked stream was not counted as revoked on every node");
          Await.until(
              Duration.ofSeconds(5),
              () -> Http.get(node.http("/topics/feed/a/events"), token).status() == 401,
              () -> "a node still accepts the revoked token");
          assertEquals(1.0, node.metric(REVOKED_GAUGE), "revoked ids held on every node");
        }
        assertTrue(
            System.nanoTime() - revokedAt < TimeUnit.SECONDS.toNanos(5),
            "refused everywhere within 5 s");
        Http.Answer refused = Http.get(third.http("/events/feed/a"), token);
        assertEquals(401, refused.status());
        assertEquals("token revoked", refused.json().get("message").asText());

        // The other token's stream on the same topic goes on.
        assertEquals(201, Http.publish(first, "feed/a", "after", TestNode.allAccess()).status());
        assertEquals("after", bystander.next(Duration.ofSeconds(10)).data());
      }
    }
  }

  @Test
  void aNodeThatJoinsLaterRefusesATokenRevokedBeforeIt() throws Exception {
    try (TestNode first = TestNode.start(SIGNING)) {
      JsonNode minted = mint(first, "erin", 600);
      String token = minted.get("token").asText();
      assertEquals(200, revoke(first, minted).status());
      assertEquals(1.0, first.metric(REVOKED_GAUGE));
      try (TestNode late = TestNode.joining(first, SIGNING)) {
        Await.until(
            FORMED,
            () -> first.upMembers() == 2 && late.upMembers() == 2,
            () -> "the late node did not join");
        Await.until(
            Duration.ofSeconds(20),
            () -> late.metric(REVOKED_GAUGE) == 1.0,
            () -> "the late node never learnt of the revocation");
        Http.Answer refused = Http.get(late.http("/topics/feed/a/events"), token);
        assertEquals(401, refused.status());
        assertEquals("token revoked", refused.json().get("message").asText());
        assertEquals(401, Http.get(late.http("/events/feed/a"), token).status());
      }
    }
  }

  @Test
  void aRevocationIsPrunedOnceItsTokenIsRefusedAnywayAndNotBefore() throws Exception {
    Duration leeway = Duration.ofSeconds(2);
    try (TestNode node =
        TestNode.start(
            SIGNING
                + "crier.auth.revocation.prune-interval = 200ms\n"
                + "crier.auth.jwt.leeway = "
                + leeway.toMillis()
                + "ms\n")) {
      JsonNode shortLived = mint(node, "frank", 2);
      JsonNode longLived = mint(node, "gina", 600);
      String token = shortLived.get("token").asText();
      assertEquals(200, revoke(node, shortLived).status());
      assertEquals(200, revoke(node, longLived).status());
      assertEquals(2.0, node.metric(REVOKED_GAUGE));
      long expiredAt = shortLived.get("expiresAt").asLong() * 1000;

      // Expired but within the leeway, the token would still be accepted: its revocation stays.
      Await.until(
          Duration.ofSeconds(10),
          () -> System.currentTimeMillis() > expiredAt + 200,
          () -> "the token did not expire");
      Http.Answer withinLeeway = Http.get(node.http("/topics/feed/a/events"), token);
      assertEquals(401, withinLeeway.status());
      assertEquals("token revoked", withinLeeway.json().get("message").asText());

      Await.until(
          Duration.ofSeconds(20),
          () -> node.metric(REVOKED_GAUGE) == 1.0,
          () -> "the expired token's revocation was never pruned");
      assertTrue(
          System.currentTimeMillis() >= expiredAt + leeway.toMillis(),
          "pruned while the expired token was still within the leeway");
      // Pruned, and still refused: by its expiry now.
      Http.Answer expired = Http.get(node.http("/topics/feed/a/events"), token);
      assertEquals(401, expired.status());
      assertEquals("token expired", expired.json().get("message").asText());
      // The revocation of the token that has not expired stays, prune after prune.
      Await.holdsFor(
          Duration.ofSeconds(1),
          () -> node.metric(REVOKED_GAUGE) == 1.0,
          () -> "the live token's revocation was pruned");
      Http.Answer stillRevoked =
          Http.get(node.http("/topics/feed/a/events"), longLived.get("token").asText());
      assertEquals(401, stillRevoked.status());
      assertEquals("token revoked", stillRevoked.json().get("message").asText());
    }
  }
}
