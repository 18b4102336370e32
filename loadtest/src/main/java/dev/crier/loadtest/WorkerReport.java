package dev.crier.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * One line a {@link Worker} writes to its coordinator: what its subscribers counted and recorded
 * since its previous report, as JSON, with the histograms in HdrHistogram's compressed encoding,
 * base64.
 *
 * @param kind why the report was sent
 * @param counts the counts since the previous report
 * @param latency publish → receive latencies since the previous report
 * @param connect connect times since the previous report
 */
record WorkerReport(Kind kind, Stats.Counts counts, String latency, String connect) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Why a report was sent; every kind carries the figures since the previous report. */
  enum Kind {
    /** The worker runs and waits for {@code connect}. */
    READY,
    /** Sent every {@link Worker#PROGRESS_INTERVAL} so that the coordinator sees events arrive. */
    PROGRESS,
    /** Every connection was accepted or could not be opened. */
    CONNECTED,
    /** Answers {@code flush}: nothing measured before the command is left out. */
    FLUSHED,
    /** The connections are closed; the last report before the worker exits. */
    STOPPED
  }

  static WorkerReport of(Kind kind, Stats.Counts counts, Histogram latency, Histogram connect) {
    return new WorkerReport(kind, counts, encode(latency), encode(connect));
  }

  String toLine() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static WorkerReport parse(String line) throws IOException {
    return JSON.readValue(line, WorkerReport.class);
  }

  Histogram latencyHistogram() {
    return decode(latency);
  }

  Histogram connectHistogram() {
    return decode(connect);
  }

  private static String encode(Histogram h) {
    ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
    int length = h.encodeIntoCompressedByteBuffer(buffer);
    return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), length));
  }

  private static Histogram decode(String base64) {
    try {
      return Histogram.decodeFromCompressedByteBuffer(
          ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
    } catch (DataFormatException e) {
      throw new IllegalArgumentException("a worker sent an unreadable histogram", e);
    }
  }
}
