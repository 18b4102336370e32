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

/** A token revoked on node 1 is refused, and its streams end, on every node of a cluster. */
@ExtendWith(LogCapturingExtension.class)
class RevocationClusterTest {
  private static final Duration FORMED = Duration.ofSeconds(60);
  private static final String SIGNING = "crier.auth.signing.secret = \"" + TestNode.SECRET + "\"\n";
  private static final String ADMIN =
      new TokenMinter(TestNode.SECRET)
          .mint("ops", List.of(), List.of(), true, Duration.ofMinutes(10));

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
      JsonNode minted =
          Http.postJson(
                  first.management("/admin/tokens"),
                  "{\"sub\":\"carol\",\"subscribe\":[\"feed/*\"],\"ttlSeconds\":600}",
                  ADMIN)
              .json();
      String token = minted.get("token").asText();
      String tokenId = minted.get("jti").asText();
      String other =
          Http.postJson(
                  first.management("/admin/tokens"),
                  "{\"sub\":\"dave\",\"subscribe\":[\"feed/*\"],\"ttlSeconds\":600}",
                  ADMIN)
              .json()
              .get("token")
              .asText();

      try (SseClient onThird = SseClient.open(third.http("/events/feed/a"), token);
          SseClient bystander = SseClient.open(third.http("/events/feed/a"), other)) {
        assertEquals(200, onThird.status());
        Http.Answer revoked =
            Http.send(
                HttpRequest.newBuilder(
                        first.management(
                            "/admin/tokens/"
                                + tokenId
                                + "?expiresAt="
                                + minted.get("expiresAt").asLong()))
                    .header("Authorization", "Bearer " + ADMIN)
                    .DELETE()
                    .build());
        assertEquals(200, revoked.status());
        assertEquals(tokenId, revoked.json().get("jti").asText());
        assertTrue(revoked.json().get("replicated").asBoolean());
        long revokedAt = System.nanoTime();

        onThird.ended().get(5, TimeUnit.SECONDS);
        Await.until(
            Duration.ofSeconds(5),
            () ->
                Http.get(third.management("/metrics"), null)
                    .raw()
                    .body()
                    .contains("crier_sse_disconnects_total{reason=\"revoked\"} 1.0"),
            () -> "the revoked stream was not counted as revoked");
        Await.until(
            Duration.ofSeconds(5),
            () ->
                Http.get(second.http("/topics/feed/a/events"), token).status() == 401
                    && Http.get(third.http("/topics/feed/a/events"), token).status() == 401,
            () -> "nodes 2 and 3 still accept the revoked token");
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
}
