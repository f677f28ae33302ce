package dev.astrgate.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.astrgate.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** PostgreSQL goes away under a running node: storage-backed requests get 503, then recover with no restart. */
@ExtendWith(VertxExtension.class)
class DatabaseOutageTest {

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void outageGives503ThenRecovers(Vertx vertx) throws Exception {
    Path dir = Files.createTempDirectory("astrgate-outage-pg");
    int port = TestNode.freePort();
    EmbeddedPostgres pg = start(dir, port);
    String url = "postgresql://postgres@127.0.0.1:" + port + "/postgres";
    TestNode node = TestNode.start(Map.of("ASTRGATE_DATABASE_URL", url), TestNode.defaultConf());
    WebClient client = WebClient.create(vertx);
    try {
      String key = node.createKey();
      assertEquals(200, sessions(client, node, key).statusCode());

      node.pool().close();
      pg.close();
      HttpResponse<Buffer> down = sessions(client, node, key);
      assertEquals(503, down.statusCode(), down.bodyAsString());
      assertEquals("error", down.bodyAsJsonObject().getString("status"));
      assertEquals("Storage unavailable, please retry shortly", down.bodyAsJsonObject().getString("message"));
      // A warm key needs no database: config-only endpoints keep answering during the outage.
      assertEquals(200, get(client, node, key, "/api/v1/im/bots").statusCode());
      assertEquals(503, get(client, node, null, "/readyz").statusCode());

      pg = start(dir, port);
      HttpResponse<Buffer> back = null;
      for (int i = 0; i < 50; i++) {
        back = sessions(client, node, key);
        if (back.statusCode() == 200) {
          break;
        }
        Thread.sleep(200);
      }
      assertEquals(200, back.statusCode(), back.bodyAsString());
      assertEquals(200, get(client, node, null, "/readyz").statusCode());
    } finally {
      node.stopOnly();
      pg.close();
    }
  }

  private static EmbeddedPostgres start(Path dir, int port) throws Exception {
    return EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false).setPort(port).start();
  }

  private static HttpResponse<Buffer> sessions(WebClient client, TestNode node, String key) {
    return TestNode.await(client.get(node.port(), "127.0.0.1", "/api/v1/chat/sessions").addQueryParam("username", "outage")
        .putHeader("X-API-Key", key).send());
  }

  private static HttpResponse<Buffer> get(WebClient client, TestNode node, String key, String path) {
    var req = client.get(node.port(), "127.0.0.1", path);
    if (key != null) {
      req.putHeader("X-API-Key", key);
    }
    return TestNode.await(req.send());
  }
}
