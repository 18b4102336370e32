package dev.crier.node.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.crier.node.support.Await;
import dev.crier.node.support.Http;
import dev.crier.node.support.Postgres;
import dev.crier.node.support.SseClient;
import dev.crier.node.support.TestNode;
import dev.crier.protocol.sse.SseEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node on a real PostgreSQL journal: the journal stays bounded per topic, and while the database
 * is down nothing is acknowledged that was not written, open streams stay open, and publishing
 * works again by itself once the database is back.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JournalOutageTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void journalIsBoundedAndAnOutageAcknowledgesNothingUnwrittenAndHealsByItself() throws Exception {
    try (Postgres pg = Postgres.start();
        TestNode node =
            TestNode.start(pg.journalConfig() + "crier.history.snapshot-every = 50\n")) {
      String token = TestNode.allAccess();
      String topic = "outage/t";
      try (SseClient stream = SseClient.open(node.http("/events/" + topic), token)) {
        List<String> sent = new ArrayList<>();
        for (int batch = 0; batch < 20; batch++) {
          List<String> data = new ArrayList<>();
          for (int i = 0; i < 30; i++) {
            data.add("e" + (batch * 30 + i));
          }
          sent.addAll(data);
          Http.Answer a = Http.publishBatch(node.http("/publish"), topic, data, token);
          assertEquals(201, a.status(), a.raw().body());
        }
        assertEquals(sent, stream.next(600, WAIT).stream().map(SseEvent::data).toList());
        String rows =
            "SELECT count(*) FROM event_journal WHERE persistence_id = 'topic|" + topic + "'";
        // Snapshots every 50 events delete the events before them (a moment after each snapshot
        // is written): what is left is bounded by a couple of snapshot intervals and one batch,
        // whatever the topic's total.
        long[] left = new long[1];
        Await.until(
            WAIT,
            () -> (left[0] = pg.count(rows)) <= 2 * 50 + 30,
            () -> "journal rows of the topic after 600 events: " + left[0]);
        // Older snapshots are deleted a moment after a new one is written, too.
        long[] snapshots = new long[1];
        Await.until(
            WAIT,
            () -> {
              snapshots[0] =
                  pg.count(
                      "SELECT count(*) FROM snapshot WHERE persistence_id = 'topic|" + topic + "'");
              return snapshots[0] >= 1 && snapshots[0] <= 2;
            },
            () -> "snapshots of the topic after 600 events: " + snapshots[0]);

        pg.stop();
        Http.Answer during = Http.publish(node, topic, "during outage", token);
        assertNotEquals(201, during.status(), "acknowledged while the database was down");
        assertTrue(
            during.status() == 503 || during.status() == 504,
            during.status() + " " + during.raw().body());
        assertFalse(stream.ended().isDone(), "the stream ended with the database");

        pg.resume();
        Http.Answer[] last = new Http.Answer[1];
        Await.until(
            WAIT,
            () -> (last[0] = Http.publish(node, topic, "after outage", token)).status() == 201,
            () -> "publishing did not recover: " + last[0].raw().body());
        Http.Answer after = last[0];
        List<String> later = new ArrayList<>();
        for (SseEvent e = stream.next(WAIT); ; e = stream.next(WAIT)) {
          later.add(e.data());
          if (e.data().equals("after outage")
              && e.lastEventId().equals(after.json().get("id").asText())) {
            break;
          }
        }
        long deliveredDuring = later.stream().filter("during outage"::equals).count();
        if (during.status() == 503) {
          assertEquals(0, deliveredDuring, "an event answered 503 was delivered");
        } else {
          assertTrue(deliveredDuring <= 1, "an event of unknown outcome was delivered twice");
        }
        assertEquals(1, later.stream().filter("after outage"::equals).count(), later.toString());
      }
    }
  }
}
