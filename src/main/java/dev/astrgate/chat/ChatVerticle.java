package dev.astrgate.chat;

import dev.astrgate.cluster.Addresses;
import dev.astrgate.config.ConfSet;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/** Runs the chat turns of platform messages for this node; webchat turns run in the HTTP verticle (see {@link Turns}). */
public final class ChatVerticle extends VerticleBase {
  private final ConfSet confs;
  private Turns engine;
  private MessageConsumer<JsonObject> inbound;

  public ChatVerticle(ConfSet confs) {
    this.confs = confs;
  }

  @Override
  public Future<?> start() {
    engine = new Turns(vertx, confs);
    InboundTurns platforms = new InboundTurns(new StoreClient(vertx), engine.runner(), confs);
    // Adapters ask the pipeline of their own node; the answer goes back through the adapter.
    inbound = vertx.eventBus().localConsumer(Addresses.CHAT_INBOUND, msg -> platforms.handle(msg.body())
        .onSuccess(msg::reply)
        .onFailure(err -> msg.fail(500, String.valueOf(err.getMessage()))));
    return inbound.completion();
  }

  @Override
  public Future<?> stop() {
    if (engine != null) {
      engine.close();
    }
    return inbound == null ? Future.succeededFuture() : inbound.unregister();
  }
}
