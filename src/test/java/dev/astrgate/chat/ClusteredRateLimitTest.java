package dev.astrgate.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.fakes.FakeOpenAi;
import dev.astrgate.fakes.FakeReply;
import dev.astrgate.support.SseClient;
import dev.astrgate.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The per-session rate limit is one budget for the whole cluster, not one per node (Part A.10). */
@ExtendWith(VertxExtension.class)
class ClusteredRateLimitTest {

  @Test
  @Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
  void limitHoldsAcrossTwoClusteredNodes(Vertx vertx) {
    FakeOpenAi openai = TestNode.await(FakeOpenAi.start(vertx));
    openai.script(FakeReply.tokens("ok"));
    JsonObject conf = ChatStreamTest.conf(openai.baseUrl(), openai.baseUrl(), -1);
    conf.getJsonObject("platform_settings").put("rate_limit", new JsonObject().put("count", 3).put("time", 3600)
        .put("strategy", "discard"));
    Map<String, String> cluster = Map.of("ASTRGATE_CLUSTER", "true", "ASTRGATE_CLUSTER_CONFIG", "cluster.xml",
        "ASTRGATE_CLUSTER_MEMBERS", "127.0.0.1", "ASTRGATE_CLUSTER_NAME", "astrgate-test-" + UUID.randomUUID());
    TestNode a = TestNode.start(cluster, conf);
    TestNode b = TestNode.start(cluster, conf);
    try {
      String key = a.createKey();
      SseClient viaA = new SseClient(vertx, a.port());
      SseClient viaB = new SseClient(vertx, b.port());
      String s = "rl-" + UUID.randomUUID();
      JsonObject body = new JsonObject().put("username", "alice").put("session_id", s).put("message", "hi");
      List<SseClient.Result> results = List.of(
          TestNode.await(viaA.post(key, body)),
          TestNode.await(viaB.post(key, body)),
          TestNode.await(viaA.post(key, body)),
          TestNode.await(viaB.post(key, body)),
          TestNode.await(viaA.post(key, body)));
      for (int i = 0; i < 3; i++) {
        assertEquals("ok", results.get(i).first("complete").getString("data"), "turn " + i);
      }
      for (int i = 3; i < 5; i++) {
        SseClient.Result r = results.get(i);
        assertEquals(List.of("session_id", "plain", "end"), r.types(), "turn " + i);
        assertTrue(r.events().get(1).getString("data").startsWith("Rate limit exceeded"), r.raw());
      }
      assertEquals(3, openai.requests().size(), "discarded turns never reach the LLM");

      // A discarded turn is answered at once, even while another turn of its session holds the session lock.
      String s2 = "rl2-" + UUID.randomUUID();
      JsonObject body2 = body.copy().put("session_id", s2);
      TestNode.await(viaA.post(key, body2));
      TestNode.await(viaB.post(key, body2));
      openai.script(FakeReply.tokens("slow", " one").delayMs(1500));
      io.vertx.core.Future<SseClient.Result> slow = viaA.post(key, body2);
      long deadline = System.currentTimeMillis() + 10_000;
      while (openai.requests().size() < 6 && System.currentTimeMillis() < deadline) {
        TestNode.await(vertx.timer(20));
      }
      assertEquals(6, openai.requests().size(), "the third turn reached the LLM");
      SseClient.Result discarded = TestNode.await(viaB.post(key, body2));
      assertTrue(discarded.events().get(1).getString("data").startsWith("Rate limit exceeded"), discarded.raw());
      assertTrue(!slow.isComplete(), "the discard waited for the running turn");
      assertEquals("slow one", TestNode.await(slow).first("complete").getString("data"));

      // A session the gateway made: its first turn's hit is written with its rows, and it counts.
      openai.script(FakeReply.tokens("ok"));
      JsonObject fresh = new JsonObject().put("username", "alice").put("message", "hi");
      String made = TestNode.await(viaA.post(key, fresh)).events().get(0).getString("session_id");
      JsonObject again = fresh.copy().put("session_id", made);
      assertEquals("ok", TestNode.await(viaB.post(key, again)).first("complete").getString("data"));
      assertEquals("ok", TestNode.await(viaA.post(key, again)).first("complete").getString("data"));
      SseClient.Result fourth = TestNode.await(viaB.post(key, again));
      assertTrue(fourth.events().get(1).getString("data").startsWith("Rate limit exceeded"),
          "the made session's first turn was counted: " + fourth.raw());
    } finally {
      b.close();
      a.close();
      openai.close();
    }
  }
}
