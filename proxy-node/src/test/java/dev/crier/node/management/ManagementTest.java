package dev.crier.node.management;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crier.node.support.Http;
import dev.crier.node.support.TestNode;
import org.junit.jupiter.api.Test;

class ManagementTest {

  @Test
  void aliveAndReadyOnTheManagementPortOnly() throws Exception {
    try (TestNode node = TestNode.start()) {
      assertEquals(200, Http.get(node.management("/alive"), null).status());
      assertEquals(200, Http.get(node.management("/ready"), null).status());
      assertEquals(404, Http.get(node.http("/ready"), null).status());
      NodeLifecycle.get(node.system()).drain();
      // Pekko Management answers a failing readiness check with 500.
      assertEquals(500, Http.get(node.management("/ready"), null).status());
      assertEquals(503, Http.get(node.http("/events/a"), TestNode.allAccess()).status());
    }
  }
}
