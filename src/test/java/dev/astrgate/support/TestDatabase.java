package dev.astrgate.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/** One embedded PostgreSQL per test JVM, shared by the test classes; nodes reach it as an "external" server. */
public final class TestDatabase {
  private static EmbeddedPostgres pg;

  private TestDatabase() {
  }

  public static synchronized String url() {
    if (pg == null) {
      try {
        pg = EmbeddedPostgres.builder()
            .setDataDirectory(Files.createTempDirectory("astrgate-test-pg"))
            .setCleanDataDirectory(true)
            .setServerConfig("max_connections", "300")
            .start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return "postgresql://postgres@127.0.0.1:" + pg.getPort() + "/postgres";
  }
}
