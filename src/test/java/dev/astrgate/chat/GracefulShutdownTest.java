package dev.astrgate.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.fakes.FakeOpenAi;
import dev.astrgate.fakes.FakeReply;
import dev.astrgate.support.SseClient;
import dev.astrgate.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** On stop, a node refuses new work but lets an in-flight stream finish and persist within the grace period. */
@ExtendWith(VertxExtension.class)
class GracefulShutdownTest {

  @Test
  @Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
  void inFlightStreamFinishesDuringShutdown(Vertx vertx) throws Exception {
    FakeOpenAi openai = TestNode.await(FakeOpenAi.start(vertx));
    openai.script(FakeReply.tokens("a", "b", "c", "d", "e", "f").delayMs(250));
    TestNode node = TestNode.start(Map.of("ASTRGATE_SHUTDOWN_GRACE_SECONDS", "10"),
        ChatStreamTest.conf(openai.baseUrl(), openai.baseUrl(), -1));
    String key = node.createKey();
    SseClient sse = new SseClient(vertx, node.port());
    CompletableFuture<Void> stopped = new CompletableFuture<>();
    Future<SseClient.Result> stream = sse.post(key, new JsonObject().put("username", "u").put("session_id", "grace-1")
        .put("message", "hi"), (ev, req) -> {
          if ("plain".equals(ev.getString("type")) && !stopped.isDone()) {
            stopped.complete(null);
            node.node().stop();
          }
        });
    SseClient.Result r = TestNode.await(stream);
    assertEquals("end", r.types().get(r.types().size() - 1), r.raw());
    assertEquals("abcdef", r.first("complete").getString("data"));
    assertTrue(r.types().contains("message_saved"), "the bot turn was persisted before the node went away");
    // The listener is gone: new requests are refused.
    Throwable refused = TestNode.await(WebClient.create(vertx).get(node.port(), "127.0.0.1", "/healthz").send()
        .map(resp -> (Throwable) null).otherwise(err -> err));
    assertTrue(refused != null, "no new connections after shutdown");
    openai.close();
  }
}
