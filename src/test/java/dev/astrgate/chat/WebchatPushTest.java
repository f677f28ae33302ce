package dev.astrgate.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.fakes.FakeOpenAi;
import dev.astrgate.fakes.FakeReply;
import dev.astrgate.support.NodeProcesses;
import dev.astrgate.support.NodeProcesses.NodeProcess;
import dev.astrgate.support.SseClient;
import dev.astrgate.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Part A.9: a proactive send through node B reaches a stream open on node A (two JVMs), else history. */
@ExtendWith(VertxExtension.class)
class WebchatPushTest {

  @Test
  @Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
  void sendThroughNodeBShowsUpInStreamOnNodeA(Vertx vertx) throws Exception {
    FakeOpenAi openai = TestNode.await(FakeOpenAi.start(vertx));
    openai.script(FakeReply.tokens("thinking", " slowly", " here").delayMs(2500));
    JsonObject conf = ChatStreamTest.conf(openai.baseUrl(), openai.baseUrl(), -1);
    Map<String, String> full = Map.of("ASTRGATE_ROLES", "api,chat,platforms");
    try (NodeProcesses cluster = new NodeProcesses()) {
      NodeProcess a = cluster.launch("push-a", conf, full);
      NodeProcess b = cluster.launch("push-b", conf, full);
      cluster.awaitReady(2, 120_000, a, b);
      String key = cluster.key();
      WebClient client = WebClient.create(vertx);
      String sid = "push-" + UUID.randomUUID();
      Promise<Void> streaming = Promise.promise();
      Future<SseClient.Result> stream = new SseClient(vertx, a.port).post(key,
          new JsonObject().put("username", "alice").put("session_id", sid).put("message", "hi"), (ev, req) -> {
            if ("session_id".equals(ev.getString("type"))) {
              streaming.tryComplete();
            }
          });
      TestNode.await(streaming.future());
      // The stream's entry in the cluster map is written asynchronously; give it a moment before sending from B.
      TestNode.await(vertx.timer(500));
      HttpResponse<Buffer> sent = TestNode.await(client.post(b.port, "127.0.0.1", "/api/v1/im/message")
          .putHeader("X-API-Key", key)
          .sendJsonObject(new JsonObject().put("umo", "webchat:FriendMessage:" + sid).put("message", "a proactive hello")));
      assertEquals(200, sent.statusCode(), sent.bodyAsString());
      SseClient.Result r = TestNode.await(stream);
      List<JsonObject> pushed = r.events().stream().filter(e -> "a proactive hello".equals(e.getValue("data"))).toList();
      assertEquals(2, pushed.size(), r.raw());
      assertEquals("plain", pushed.get(0).getString("type"));
      assertEquals(true, pushed.get(0).getBoolean("streaming"));
      assertEquals("complete", pushed.get(1).getString("type"));
      assertEquals("end", r.types().get(r.types().size() - 1));
      assertEquals("thinking slowly here", r.events().stream().filter(e -> "complete".equals(e.getString("type")))
          .reduce((x, y) -> y).orElseThrow().getString("data"));

      // Sent the moment the client saw the end, while the cluster may still name node A: A answers "not live", and
      // the send is stored; both show in the session's history.
      HttpResponse<Buffer> later = TestNode.await(client.post(b.port, "127.0.0.1", "/api/v1/im/message")
          .putHeader("X-API-Key", key)
          .sendJsonObject(new JsonObject().put("umo", "webchat:FriendMessage:" + sid).put("message", "while you were away")));
      assertEquals(200, later.statusCode(), later.bodyAsString());
      io.vertx.sqlclient.Pool pool = dev.astrgate.store.StoreVerticle.createPool(vertx,
          io.vertx.pgclient.PgConnectOptions.fromUri(dev.astrgate.support.TestDatabase.url()), 1);
      String texts = TestNode.await(pool.preparedQuery("SELECT string_agg(content::text, ' | ' ORDER BY id)"
          + " FROM platform_message_history WHERE user_id = $1").execute(io.vertx.sqlclient.Tuple.of(sid)))
          .iterator().next().getString(0);
      TestNode.await(pool.close());
      assertTrue(texts.contains("a proactive hello") && texts.contains("while you were away"), texts);
    } finally {
      openai.close();
    }
  }
}
