package dev.crier.protocol.sp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Hex fixtures captured from libnng by {@code src/test/resources/sp/capture.py}. */
final class Fixtures {
  private Fixtures() {}

  static byte[] hex(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/sp/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing fixture " + name);
      }
      StringBuilder hex = new StringBuilder();
      for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
        if (!line.startsWith("#")) {
          hex.append(line.replace(" ", "").trim());
        }
      }
      return HexFormat.of().parseHex(hex);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
