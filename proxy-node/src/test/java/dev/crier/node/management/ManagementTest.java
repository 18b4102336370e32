package dev.crier.node.management;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.crier.node.support.Http;
import dev.crier.node.support.TestNode;
import org.junit.jupiter.api.Test;

/** The probes live on the management port only; draining's effect on them is in DrainTest. */
class ManagementTest {

  @Test
  void aliveAndReadyOnTheManagementPortOnly() throws Exception {
    try (TestNode node = TestNode.start()) {
      assertEquals(200, Http.get(node.management("/alive"), null).status());
      assertEquals(200, Http.get(node.management("/ready"), null).status());
      assertEquals(404, Http.get(node.http("/ready"), null).status());
    }
  }
}
