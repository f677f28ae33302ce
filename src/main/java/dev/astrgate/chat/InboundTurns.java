package dev.astrgate.chat;

import dev.astrgate.config.ConfSet;
import dev.astrgate.platform.InboundMessage;
import dev.astrgate.store.ChatOps;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;

/**
 * Messages from IM platforms go through the same pipeline as webchat: the turn runs non-streaming into a sink that
 * collects the answer, which the adapter sends back as {@code {"parts":[…]}}.
 */
final class InboundTurns {
  private final StoreClient store;
  private final TurnRunner runner;
  private final ConfSet confs;

  InboundTurns(StoreClient store, TurnRunner runner, ConfSet confs) {
    this.store = store;
    this.runner = runner;
    this.confs = confs;
  }

  /** Runs one inbound message and yields the reply body for the adapter. */
  Future<JsonObject> handle(InboundMessage inbound) {
    String platformId = inbound.platformId();
    String umo = inbound.umo();
    String sessionId = inbound.sessionId();
    String senderId = inbound.senderId() == null ? "unknown" : inbound.senderId();
    JsonArray parts = new JsonArray();
    String text = inbound.text();
    if (!text.isBlank()) {
      parts.add(new JsonObject().put("type", "plain").put("text", text.strip()));
    }
    if (parts.isEmpty()) {
      return Future.succeededFuture(new JsonObject().put("parts", new JsonArray()));
    }
    // UMO config routes apply to platform messages as to webchat (upstream's umop_config_routing).
    Future<String> configId = ConfigRoutes.resolve(store, umo, confs);
    Future<ChatOps.Saved> userRow = store.chat(new ChatOps.AppendHistory(platformId, sessionId, senderId,
        new JsonObject().put("type", "user").put("message", parts)));
    return Future.all(configId, userRow)
        .compose(v -> {
          ChatTurn turn = new ChatTurn(platformId, senderId, sessionId, umo, UUID.randomUUID().toString(), parts, null,
              null, Boolean.FALSE, configId.result(), null, false, false);
          Collector sink = new Collector();
          runner.run(turn, sink);
          return sink.done.future();
        });
  }

  /** Keeps the answer text of a non-streaming turn; the turn's end completes the reply. */
  private static final class Collector implements TurnSink {
    final Promise<JsonObject> done = Promise.promise();
    final StringBuilder text = new StringBuilder();

    @Override
    public void send(JsonObject event) {
      if ("plain".equals(event.getString("type")) && event.getValue("chain_type") == null) {
        if (text.length() > 0) {
          text.append("\n\n");
        }
        text.append(event.getString("data"));
      }
    }

    @Override
    public boolean writeQueueFull() {
      return false;
    }

    @Override
    public void onDrain(Runnable handler) {
      handler.run();
    }

    @Override
    public void onClose(Runnable handler) {
      // the adapter never hangs up on a turn
    }

    @Override
    public void end() {
      JsonArray parts = new JsonArray();
      if (text.length() > 0) {
        parts.add(new JsonObject().put("type", "plain").put("text", text.toString()));
      }
      done.tryComplete(new JsonObject().put("parts", parts));
    }
  }
}
