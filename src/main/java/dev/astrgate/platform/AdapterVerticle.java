package dev.astrgate.platform;

import dev.astrgate.cluster.ClusterInfo;
import dev.astrgate.metrics.GatewayMetrics;
import dev.astrgate.platform.route.PlatformRouting;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

/** Runs one {@link PlatformAdapter} on a context of its own and shows its state in /readyz and /metrics. */
public final class AdapterVerticle extends VerticleBase {
  private final JsonObject entry;
  private final PlatformAdapter.Factory factory;
  private final WakeRule wake;
  private final ClusterInfo cluster;
  private final PlatformRouting routing;
  private final PlatformHub hub;
  private PlatformAdapter adapter;

  public AdapterVerticle(JsonObject entry, PlatformAdapter.Factory factory, WakeRule wake, ClusterInfo cluster,
                         PlatformRouting routing, PlatformHub hub) {
    this.entry = entry;
    this.factory = factory;
    this.wake = wake;
    this.cluster = cluster;
    this.routing = routing;
    this.hub = hub;
  }

  @Override
  public Future<?> start() {
    String id = entry.getString("id");
    ChatBridge chat = new ChatBridge(vertx, cluster, ChatBridge.DEFAULT_TIMEOUT_MS, ChatBridge.DEFAULT_NO_PIPELINE_WAIT_MS,
        GatewayMetrics.of(vertx).inboundDropped(id));
    adapter = factory.create(new PlatformEnv(entry, vertx, context, wake, cluster, routing, hub,
        new StoreClient(vertx), chat));
    hub.state(id, adapter::state);
    GatewayMetrics.of(vertx).platformConnection(id, adapter::holds);
    return adapter.start();
  }

  @Override
  public Future<?> stop() {
    hub.unregister(entry.getString("id"));
    return adapter == null ? Future.succeededFuture() : adapter.stop();
  }
}
