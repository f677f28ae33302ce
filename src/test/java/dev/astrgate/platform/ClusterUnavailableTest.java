package dev.astrgate.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.astrgate.support.Http;
import dev.astrgate.support.TestNode;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A clustered node whose cluster manager has left: /readyz says so, and im/message answers 503, not a hang. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterUnavailableTest {
  @Test
  void sendsAnswer503AndReadinessFailsWhenTheClusterIsGone() throws Exception {
    Path xml = Files.createTempFile("cluster", ".xml");
    Files.writeString(xml, Files.readString(Path.of("cluster.xml"))
        .replace("<cluster-name>astrgate</cluster-name>", "<cluster-name>astrgate-alone-" + UUID.randomUUID() + "</cluster-name>"));
    TestNode node = TestNode.start(Map.of("ASTRGATE_CLUSTER", "true", "ASTRGATE_CLUSTER_CONFIG", xml.toString()),
        TestNode.defaultConf());
    Vertx vertx = Vertx.vertx();
    Http http = new Http(vertx, node.createKey("im"));
    try {
      JsonObject ready = http.get(node.port(), "/readyz").bodyAsJsonObject();
      assertEquals(1, ready.getJsonObject("cluster").getInteger("members"));
      assertEquals(true, ready.getJsonObject("cluster").getBoolean("enabled"));
      HttpResponse<Buffer> ok = http.imMessage(node.port(), new JsonObject().put("umo", "webchat:FriendMessage:x").put("message", "hi"));
      assertEquals(200, ok.statusCode(), ok.bodyAsString());

      Promise<Void> left = Promise.promise();
      ((VertxInternal) node.node().vertx()).clusterManager().leave(left);
      TestNode.await(left.future());

      HttpResponse<Buffer> r = http.imMessage(node.port(), new JsonObject().put("umo", "qq_main:FriendMessage:1").put("message", "hi"));
      assertEquals(503, r.statusCode(), r.bodyAsString());
      assertEquals("Cluster unavailable, please retry shortly", r.bodyAsJsonObject().getString("message"));
      HttpResponse<Buffer> readyz = http.get(node.port(), "/readyz");
      assertEquals(503, readyz.statusCode());
      assertEquals("DOWN", readyz.bodyAsJsonObject().getJsonObject("checks").getString("cluster"));
    } finally {
      http.close();
      TestNode.await(vertx.close());
      try {
        node.close();
      } catch (RuntimeException e) {
        // the node's cluster manager is already gone; its shutdown may complain
      }
    }
  }
}
