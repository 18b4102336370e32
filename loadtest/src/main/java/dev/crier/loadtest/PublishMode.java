package dev.crier.loadtest;

import java.util.Locale;

/** How {@link Publisher} paces its requests against the server's answers. */
enum PublishMode {
  /**
   * One batch in flight at a time: the next goes out once the previous is answered, so a slow
   * answer makes batches bigger and fewer (the offered event rate holds while batches can grow).
   */
  WAIT,
  /**
   * Requests go out as events fall due, over persistent HTTP/1.1 connections, without waiting for
   * answers (pipelined), with a bounded number unanswered per connection: see {@link
   * PublishConnection}. The answer latency then includes the time a request waits behind earlier
   * ones at the server, as a publisher that does not wait would see it.
   */
  PIPELINED;

  static PublishMode parse(String name) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--publish must be wait or pipelined, was " + name);
    }
  }

  String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
