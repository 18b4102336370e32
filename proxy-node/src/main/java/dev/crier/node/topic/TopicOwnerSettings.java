package dev.crier.node.topic;

import com.typesafe.config.Config;

/**
 * Limits of one {@link TopicOwner}, read once from configuration.
 *
 * @param maxScheduled scheduled events one topic may hold ({@code crier.publish.max-scheduled})
 * @param store where the owner keeps what it accepts
 */
public record TopicOwnerSettings(
    HistorySettings history, DedupeSettings dedupe, int maxScheduled, HistoryStoreSettings store) {

  public static TopicOwnerSettings create(Config root) {
    return new TopicOwnerSettings(
        HistorySettings.create(root),
        DedupeSettings.create(root),
        root.getInt("crier.publish.max-scheduled"),
        HistoryStoreSettings.create(root));
  }
}
