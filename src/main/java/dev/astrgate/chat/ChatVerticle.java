package dev.astrgate.chat;

import dev.astrgate.cluster.Addresses;
import dev.astrgate.cluster.ChatNodes;
import dev.astrgate.cluster.ClusterInfo;
import dev.astrgate.config.ConfSet;
import dev.astrgate.platform.InboundMessage;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/** Runs the chat turns of platform messages for this node; webchat turns run in the HTTP verticle (see {@link Turns}). */
public final class ChatVerticle extends VerticleBase {
  private final ConfSet confs;
  private final ClusterInfo cluster;
  private Turns engine;
  private MessageConsumer<JsonObject> inbound;
  private MessageConsumer<JsonObject> inboundHere;
  private ChatNodes directory;

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
    engine = new Turns(vertx, confs);
    InboundTurns platforms = new InboundTurns(new StoreClient(vertx), engine.runner(), confs);
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
      return inbound.completion();
    }
    inboundHere = Addresses.chatInboundTo(cluster.nodeId()).consumer(vertx.eventBus(), onInbound);
    directory = new ChatNodes(vertx, cluster);
    return Future.all(inbound.completion(), inboundHere.completion()).compose(v -> directory.join());
  }

  @Override
  public Future<?> stop() {
    if (engine != null) {
      engine.close();
    }
    Future<Void> left = directory == null ? Future.succeededFuture() : directory.leave().recover(e -> Future.succeededFuture());
    return left.compose(v -> inbound == null ? Future.succeededFuture() : Future.join(inbound.unregister(),
        inboundHere == null ? Future.succeededFuture() : inboundHere.unregister()));
  }
}
