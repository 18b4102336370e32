package dev.crier.node.limits;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;

/**
 * Whether the heap is too full to take new subscribers: the heap used after the last garbage
 * collection, as a fraction of the maximum heap, above {@code crier.limits.heap-guard}. Used heap
 * after a collection is what live data needs; the current figure also counts garbage not yet
 * collected and would trip the guard on every busy moment. Thread-safe; reads the JVM's pool
 * figures on each call, which are kept up to date by the collector and cheap to read.
 */
final class HeapGuard {
  private final double fraction;
  private final List<MemoryPoolMXBean> heapPools;
  private final long maxHeapBytes;

  /**
   * @param fraction of the maximum heap; 0 turns the guard off
   */
  HeapGuard(double fraction) {
    this.fraction = fraction;
    this.heapPools =
        ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(pool -> pool.getType() == MemoryType.HEAP)
            .toList();
    this.maxHeapBytes = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax();
    if (fraction > 0 && maxHeapBytes <= 0) {
      throw new IllegalStateException(
          "crier.limits.heap-guard needs a maximum heap size, and this JVM reports none:"
              + " start it with -Xmx, or set crier.limits.heap-guard = 0");
    }
  }

  /** True while new subscribers should be refused; always false when the guard is off. */
  boolean refusing() {
    return fraction > 0 && usedAfterLastCollection() > fraction * maxHeapBytes;
  }

  /** The bytes the heap pools held right after their last collection (0 before the first). */
  private long usedAfterLastCollection() {
    long used = 0;
    for (MemoryPoolMXBean pool : heapPools) {
      MemoryUsage afterCollection = pool.getCollectionUsage();
      if (afterCollection != null) {
        used += afterCollection.getUsed();
      }
    }
    return used;
  }
}
