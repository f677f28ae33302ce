package dev.astrgate.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.astrgate.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** POSTs whose key is not cached yet (the auth check pauses the request for a database lookup) never lose their body. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ColdKeyPostTest {
  @Test
  void manyConcurrentColdKeyPostsAllAnswer() {
    TestNode node = TestNode.start(Map.of(), TestNode.defaultConf());
    Vertx vertx = Vertx.vertx();
    WebClient client = WebClient.create(vertx);
    try {
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        keys.add(node.createKey("im"));
      }
      Buffer body = Buffer.buffer(new JsonObject().put("umo", "webchat:FriendMessage:cold").put("message", "hi").encode());
      List<Future<Integer>> all = new ArrayList<>();
      for (String key : keys) {
        all.add(client.post(node.port(), "127.0.0.1", "/api/v1/im/message").putHeader("X-API-Key", key)
            .putHeader("Content-Type", "application/json").timeout(20_000).sendBuffer(body).map(r -> r.statusCode()));
      }
      TestNode.await(Future.join(all));
      long ok = all.stream().filter(f -> f.succeeded() && f.result() == 200).count();
      assertEquals(keys.size(), ok, all.stream().filter(f -> f.failed() || f.result() != 200)
          .map(f -> f.failed() ? f.cause().toString() : f.result().toString()).findFirst().orElse(""));
    } finally {
      client.close();
      TestNode.await(vertx.close());
      node.close();
    }
  }
}
