package dev.astrgate.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The bridge to the chat pipeline over a real event bus: answers, failures, and a pipeline that appears late. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
class ChatBridgeTest {
  private static final JsonObject INBOUND = new JsonObject().put("umo", "qq:FriendMessage:1").put("text", "hi");

  @Test
  void aPipelineRegisteredLateStillGetsTheMessageOnce(Vertx vertx, VertxTestContext ctx) {
    AtomicInteger seen = new AtomicInteger();
    vertx.setTimer(700, t -> vertx.eventBus().<JsonObject>consumer("chat.inbound", msg -> {
      seen.incrementAndGet();
      msg.reply(new JsonObject().put("text", "late " + msg.body().getString("text")));
    }));
    new ChatBridge(vertx, 5_000, 10_000).ask(INBOUND).onComplete(ctx.succeeding(parts -> ctx.verify(() -> {
      assertEquals(new JsonArray().add(new JsonObject().put("type", "plain").put("text", "late hi")), parts);
      assertEquals(1, seen.get());
      ctx.completeNow();
    })));
  }

  @Test
  void noPipelineAtAllGivesUpWithNoAnswer(Vertx vertx, VertxTestContext ctx) {
    long t0 = System.nanoTime();
    new ChatBridge(vertx, 5_000, 500).ask(INBOUND).onComplete(ctx.succeeding(parts -> ctx.verify(() -> {
      assertTrue(parts.isEmpty());
      assertTrue(System.nanoTime() - t0 >= 300_000_000L, "gave up before retrying");
      ctx.completeNow();
    })));
  }

  @Test
  void aMessageGivenUpIsCounted(Vertx vertx, VertxTestContext ctx) {
    io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    io.micrometer.core.instrument.Counter dropped = registry.counter("dropped");
    new ChatBridge(vertx, 5_000, 300, dropped).ask(INBOUND).onComplete(ctx.succeeding(parts -> ctx.verify(() -> {
      assertTrue(parts.isEmpty());
      assertEquals(1.0, dropped.count());
      ctx.completeNow();
    })));
  }

  @Test
  void aFailingPipelineIsNotRetried(Vertx vertx, VertxTestContext ctx) {
    AtomicInteger seen = new AtomicInteger();
    MessageConsumer<JsonObject> c = vertx.eventBus().consumer("chat.inbound", msg -> {
      seen.incrementAndGet();
      msg.fail(503, "provider down");
    });
    c.completion().compose(v -> new ChatBridge(vertx, 5_000, 10_000).ask(INBOUND))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertEquals("provider down", err.getMessage());
          assertEquals(503, ((ReplyException) err).failureCode());
          assertEquals(1, seen.get());
          ctx.completeNow();
        })));
  }

  @Test
  void repliesKeepOnlyContentParts() {
    JsonArray parts = ChatBridge.replyParts(new JsonObject().put("parts", new JsonArray()
        .add(new JsonObject().put("type", "plain").put("text", ""))
        .add(new JsonObject().put("type", "image").put("url", "u"))
        .add("junk")));
    assertEquals(new JsonArray().add(new JsonObject().put("type", "image").put("url", "u")), parts);
    assertTrue(ChatBridge.replyParts("nope").isEmpty());
  }
}
