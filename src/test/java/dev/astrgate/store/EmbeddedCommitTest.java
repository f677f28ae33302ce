package dev.astrgate.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.astrgate.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import io.vertx.junit5.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The embedded PostgreSQL a node starts by default waits for the WAL flush on every commit, stores UTF-8, compares bytes. */
@ExtendWith(VertxExtension.class)
class EmbeddedCommitTest {

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void embeddedDatabaseKeepsSynchronousCommitOnWithUtf8AndByteCollation(Vertx vertx) {
    Map<String, String> env = new HashMap<>();
    env.put("ASTRGATE_DATABASE_URL", null);
    try (TestNode node = TestNode.start(env, TestNode.defaultConf())) {
      Integer port = Database.runningEmbeddedPort(node.dir().resolve("data").resolve("pg"));
      assertNotNull(port, "the node runs its embedded PostgreSQL");
      Pool pool = PgBuilder.pool().connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(port)
          .setUser("postgres").setDatabase("postgres")).using(vertx).build();
      try {
        assertEquals("on", setting(pool, "synchronous_commit"));
        assertEquals("on", setting(pool, "fsync"));
        assertEquals("UTF8", setting(pool, "server_encoding"));
        assertEquals("C", TestNode.await(pool.query(
            "SELECT datcollate FROM pg_database WHERE datname = current_database()").execute())
            .iterator().next().getString(0));
      } finally {
        pool.close();
      }
    }
  }

  private static String setting(Pool pool, String name) {
    return TestNode.await(pool.query("SHOW " + name).execute()).iterator().next().getString(0);
  }
}
