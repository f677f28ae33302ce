package dev.astrgate.chat;

import dev.astrgate.cluster.Addresses;
import dev.astrgate.logging.RequestIds;
import dev.astrgate.platform.InboundMessage;
import io.vertx.core.Vertx;
import dev.astrgate.config.ConfFile;
import dev.astrgate.config.ConfSet;
import dev.astrgate.provider.ProviderRegistry;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/** Runs chat turns for this node: one provider registry per config, turns handed over by the HTTP layer. */
public final class ChatVerticle extends VerticleBase {
  private final ConfSet confs;
  private final Map<String, ProviderRegistry> providers = new HashMap<>();
  private MessageConsumer<TurnRequest> turns;
  private MessageConsumer<JsonObject> inbound;

  /** A validated turn and the sink its events go to; local-only. */
  public record TurnRequest(ChatTurn turn, TurnSink sink, String requestId) {
  }

  public ChatVerticle(ConfSet confs) {
    this.confs = confs;
  }

  @Override
  public Future<?> start() {
    Map<String, ChatSettings> settings = new HashMap<>();
    for (ConfFile c : confs.all()) {
      settings.put(c.id(), ChatSettings.from(c.json()));
      providers.put(c.id(), ProviderRegistry.fromConfig(vertx, c.json()));
    }
    StoreClient store = new StoreClient(vertx);
    TurnRunner runner = new TurnRunner(vertx, store, settings, providers);
    InboundTurns platforms = new InboundTurns(store, runner, confs);
    turns = Addresses.CHAT_TURN.consumer(vertx.eventBus(), msg -> {
      // Each message runs on its own duplicated context: the request id follows the turn's log lines.
      RequestIds.set(Vertx.currentContext(), msg.body().requestId());
      runner.run(msg.body().turn(), msg.body().sink());
    });
    // Clustered: adapters on any node reach the chat nodes, round-robin; the answer goes back through the adapter.
    inbound = Addresses.CHAT_INBOUND.consumer(vertx.eventBus(), msg -> {
      InboundMessage in;
      try {
        in = InboundMessage.fromJson(msg.body());
      } catch (InboundMessage.Malformed e) {
        msg.fail(400, e.getMessage());
        return;
      }
      platforms.handle(in).onSuccess(msg::reply).onFailure(err -> msg.fail(500, String.valueOf(err.getMessage())));
    });
    return Future.all(turns.completion(), inbound.completion());
  }

  @Override
  public Future<?> stop() {
    providers.values().forEach(ProviderRegistry::close);
    return turns == null ? Future.succeededFuture() : Future.all(turns.unregister(), inbound.unregister());
  }
}
