package dev.astrgate.fakes;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Stands in for the chat pipeline on {@code chat.inbound}, for adapter tests only (each says why where it uses it;
 * {@code AdapterWorkerTest} runs the real pipeline with no stand-in): records every inbound message and answers
 * {@code "echo: <text>"} at once, or after {@link #delayMs} for texts that start with {@code "slow"}.
 */
public final class TestChat {
  private final LinkedBlockingQueue<JsonObject> inbound = new LinkedBlockingQueue<>();
  private final CopyOnWriteArrayList<JsonObject> all = new CopyOnWriteArrayList<>();
  private final MessageConsumer<JsonObject> consumer;
  public volatile long delayMs = 0;

  public TestChat(Vertx vertx) {
    consumer = vertx.eventBus().consumer("chat.inbound", msg -> {
      JsonObject in = msg.body();
      inbound.add(in);
      all.add(in);
      JsonObject answer = new JsonObject().put("parts", new JsonArray()
          .add(new JsonObject().put("type", "plain").put("text", "echo: " + in.getString("text"))));
      long delay = in.getString("text", "").startsWith("slow") ? delayMs : 0;
      if (delay > 0) {
        vertx.setTimer(delay, t -> msg.reply(answer));
      } else {
        msg.reply(answer);
      }
    });
  }

  public void awaitRegistered() throws Exception {
    consumer.completion().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  public JsonObject next(long seconds) throws InterruptedException {
    return inbound.poll(seconds, TimeUnit.SECONDS);
  }

  public List<JsonObject> all() {
    return List.copyOf(all);
  }

  public void clear() {
    inbound.clear();
  }

  public void close() {
    consumer.unregister();
  }
}
