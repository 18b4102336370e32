package dev.crier.node.topic;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** Creates the journal's tables when they are missing, before any owner starts. */
public final class JournalSchema {
  private JournalSchema() {}

  /**
   * Applies the schema of the configured database.
   *
   * @throws IllegalStateException naming the database when it cannot be reached or changed
   */
  public static void apply(HistoryStoreSettings store) {
    String script = read(store.embedded() ? "journal/h2.sql" : "journal/postgres.sql");
    try (Connection connection =
            DriverManager.getConnection(store.url(), store.user(), store.password());
        Statement statement = connection.createStatement()) {
      for (String sql : script.split(";\\s*\n")) {
        String body = sql.replaceAll("(?m)^--.*$", "").trim();
        if (!body.isEmpty()) {
          statement.execute(body);
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot prepare the history journal at " + redacted(store.url()) + ": " + e.getMessage(),
          e);
    }
  }

  /** The URL without anything after '?', where a password may sit. */
  static String redacted(String url) {
    int query = url.indexOf('?');
    return query < 0 ? url : url.substring(0, query) + "?…";
  }

  private static String read(String resource) {
    try (InputStream in = JournalSchema.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + resource, e);
    }
  }
}
