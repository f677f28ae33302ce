package dev.astrgate.chat;

import dev.astrgate.cluster.Addresses;
import dev.astrgate.cluster.ChatNodes;
import dev.astrgate.cluster.ClusterInfo;
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
  private final ClusterInfo cluster;
  private final Map<String, ProviderRegistry> providers = new HashMap<>();
  private MessageConsumer<TurnRequest> turns;
  private MessageConsumer<JsonObject> inbound;
  private MessageConsumer<JsonObject> inboundHere;
  private ChatNodes directory;

  /** A validated turn and the sink its events go to; local-only. */
  public record TurnRequest(ChatTurn turn, TurnSink sink, String requestId) {
  }

  public ChatVerticle(ConfSet confs) {
    this(confs, null);
  }

  /** With {@code cluster}, the node also takes inbound messages addressed to it and lists itself in ChatNodes. */
  public ChatVerticle(ConfSet confs, ClusterInfo cluster) {
    this.confs = confs;
    this.cluster = cluster;
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
    io.vertx.core.Handler<io.vertx.core.eventbus.Message<JsonObject>> onInbound = msg -> {
      InboundMessage in;
      try {
        in = InboundMessage.fromJson(msg.body());
      } catch (InboundMessage.Malformed e) {
        msg.fail(400, e.getMessage());
        return;
      }
      platforms.handle(in).onSuccess(msg::reply).onFailure(err -> msg.fail(500, String.valueOf(err.getMessage())));
    };
    inbound = Addresses.CHAT_INBOUND.consumer(vertx.eventBus(), onInbound);
    if (cluster == null) {
      return Future.all(turns.completion(), inbound.completion());
    }
    inboundHere = Addresses.chatInboundTo(cluster.nodeId()).consumer(vertx.eventBus(), onInbound);
    directory = new ChatNodes(vertx, cluster);
    return Future.all(turns.completion(), inbound.completion(), inboundHere.completion()).compose(v -> directory.join());
  }

  @Override
  public Future<?> stop() {
    providers.values().forEach(ProviderRegistry::close);
    Future<Void> left = directory == null ? Future.succeededFuture() : directory.leave().recover(e -> Future.succeededFuture());
    return left.compose(v -> turns == null ? Future.succeededFuture() : Future.join(turns.unregister(), inbound.unregister(),
        inboundHere == null ? Future.succeededFuture() : inboundHere.unregister()));
  }
}
