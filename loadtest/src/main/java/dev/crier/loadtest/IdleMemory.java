package dev.crier.loadtest;

import java.util.List;

/**
 * The servers' memory before the connections opened and with all of them open, each server's and
 * all together.
 */
record IdleMemory(List<Memory> before, List<Memory> after) {
  Memory totalBefore() {
    return Memory.sum(before);
  }

  Memory totalAfter() {
    return Memory.sum(after);
  }

  double rssPerConnectionKb(long connections) {
    return perConnection(totalBefore().rssKb(), totalAfter().rssKb(), connections);
  }

  double heapPerConnectionKb(long connections) {
    return perConnection(totalBefore().heapAfterGcKb(), totalAfter().heapAfterGcKb(), connections);
  }

  static double perConnection(long beforeKb, long afterKb, long connections) {
    return beforeKb < 0 || afterKb < 0 || connections <= 0
        ? Double.NaN
        : (afterKb - beforeKb) / (double) connections;
  }
}
