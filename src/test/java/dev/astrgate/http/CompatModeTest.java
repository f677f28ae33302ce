package dev.astrgate.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.astrgate.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** compat.http_200_errors restores upstream's HTTP 200 for every non-auth error; auth keeps 401/403. */
@ExtendWith(VertxExtension.class)
class CompatModeTest {

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void nonAuthErrorsBecome200(Vertx vertx) {
    TestNode node = TestNode.start(Map.of("ASTRGATE_COMPAT_HTTP_200_ERRORS", "true"), TestNode.defaultConf());
    try {
      WebClient client = WebClient.create(vertx);
      String key = node.createKey("chat");
      HttpResponse<Buffer> validation = TestNode.await(client.get(node.port(), "127.0.0.1", "/api/v1/chat/sessions")
          .putHeader("X-API-Key", key).send());
      assertEquals(200, validation.statusCode());
      assertEquals("Missing key: username", validation.bodyAsJsonObject().getString("message"));
      assertEquals("error", validation.bodyAsJsonObject().getString("status"));
      HttpResponse<Buffer> notFound = TestNode.await(client.get(node.port(), "127.0.0.1", "/api/v1/nope")
          .putHeader("X-API-Key", key).send());
      assertEquals(200, notFound.statusCode());
      HttpResponse<Buffer> missing = TestNode.await(client.get(node.port(), "127.0.0.1", "/api/v1/chat/sessions").send());
      assertEquals(401, missing.statusCode());
      HttpResponse<Buffer> scope = TestNode.await(client.get(node.port(), "127.0.0.1", "/api/v1/im/bots")
          .putHeader("X-API-Key", key).send());
      assertEquals(403, scope.statusCode());
    } finally {
      node.close();
    }
  }
}
