package dev.crier.node.limits;

import com.typesafe.config.Config;

/**
 * The {@code crier.limits} settings, read once; 0 turns a limit off.
 *
 * @param connectionsPerIp SSE connections one client address may hold on this node
 * @param connectionsPerSubject SSE connections one token subject may hold on this node
 * @param publishRate events a second one token subject may publish on this node
 * @param publishBurst events it may publish at once after a quiet spell
 * @param tenantPublishRate events a second all tokens of one tenant ({@code crier.tenant}) may
 *     publish together on this node
 * @param tenantPublishBurst events they may publish at once after a quiet spell
 * @param heapGuard fraction of the maximum heap: while more than this is used after the last
 *     garbage collection, new SSE subscribers are refused
 */
public record LimitSettings(
    int connectionsPerIp,
    int connectionsPerSubject,
    double publishRate,
    int publishBurst,
    double tenantPublishRate,
    int tenantPublishBurst,
    double heapGuard) {

  public LimitSettings {
    if (connectionsPerIp < 0
        || connectionsPerSubject < 0
        || publishRate < 0
        || publishBurst < 0
        || tenantPublishRate < 0
        || tenantPublishBurst < 0) {
      throw new IllegalArgumentException("crier.limits values must not be negative");
    }
    if (publishRate > 0 && publishBurst < 1) {
      throw new IllegalArgumentException(
          "crier.limits.publish-burst must be >= 1 when publish-rate is set");
    }
    if (tenantPublishRate > 0 && tenantPublishBurst < 1) {
      throw new IllegalArgumentException(
          "crier.limits.tenant-publish-burst must be >= 1 when tenant-publish-rate is set");
    }
    if (!(heapGuard >= 0 && heapGuard <= 1)) {
      throw new IllegalArgumentException(
          "crier.limits.heap-guard must be a fraction of the maximum heap from 0 (off) to 1, not "
              + heapGuard);
    }
  }

  public static LimitSettings create(Config root) {
    Config c = root.getConfig("crier.limits");
    return new LimitSettings(
        c.getInt("connections-per-ip"),
        c.getInt("connections-per-subject"),
        c.getDouble("publish-rate"),
        c.getInt("publish-burst"),
        c.getDouble("tenant-publish-rate"),
        c.getInt("tenant-publish-burst"),
        c.getDouble("heap-guard"));
  }
}
