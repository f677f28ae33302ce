package dev.astrgate.platform;

import dev.astrgate.cluster.ClusterInfo;
import dev.astrgate.platform.route.PlatformRouting;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * What an adapter gets to work with: its config entry, its verticle's Vert.x and context, the node's wake rule,
 * cluster view, routing unit and HTTP endpoint directory, a store client and the bridge to the chat pipeline.
 */
public record PlatformEnv(JsonObject entry, Vertx vertx, Context context, WakeRule wake, ClusterInfo cluster,
                          PlatformRouting routing, PlatformHub hub, StoreClient store, ChatBridge chat) {
  public String platformId() {
    return entry.getString("id");
  }
}
