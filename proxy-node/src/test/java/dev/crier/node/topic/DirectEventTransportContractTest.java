package dev.crier.node.topic;

import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;

/** The direct transport (actor messages) keeps the transport contract. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DirectEventTransportContractTest extends EventTransportContract {
  private final ActorTestKit testKit = ActorTestKit.create();
  private final List<TestProbe<TopicHubs.Command>> nodes =
      List.of(testKit.createTestProbe(), testKit.createTestProbe());
  private final EventTransport transport = new DirectEventTransport();

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  @Override
  protected EventTransport transport() {
    return transport;
  }

  @Override
  protected List<TestProbe<TopicHubs.Command>> nodes() {
    return nodes;
  }
}
