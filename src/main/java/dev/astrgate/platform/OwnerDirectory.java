package dev.astrgate.platform;

import dev.astrgate.cluster.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where this node sends a platform's messages: the owner's node-addressed send address, learned from ownership
 * notices and, on a miss, from the connection map. Addressing the owner's node directly means a member that just died
 * (whose registrations the cluster has not dropped yet) is never picked by round robin. Thread-safe.
 */
public final class OwnerDirectory {
  private final Vertx vertx;
  private final dev.astrgate.cluster.ClusterInfo cluster;
  private final Map<String, String> ownerNode = new ConcurrentHashMap<>();
  private MessageConsumer<JsonObject> notices;
  private AsyncMap<String, JsonObject> map;

  public OwnerDirectory(Vertx vertx, dev.astrgate.cluster.ClusterInfo cluster) {
    this.vertx = vertx;
    this.cluster = cluster;
  }

  public Future<Void> start() {
    return vertx.sharedData().<String, JsonObject>getAsyncMap(Addresses.PLATFORM_CONNECTIONS_MAP).compose(m -> {
      map = m;
      notices = vertx.eventBus().consumer(Addresses.PLATFORM_OWNERSHIP, msg -> {
        JsonObject n = msg.body();
        if (n == null || !(n.getValue("platform_id") instanceof String id) || !(n.getValue("node_id") instanceof String node)) {
          return;
        }
        if ("owner".equals(n.getString("event"))) {
          ownerNode.put(id, node);
        } else if ("vacant".equals(n.getString("event"))) {
          ownerNode.remove(id, node);
        }
      });
      return notices.completion();
    });
  }

  /** The node-addressed send address of the owner, or the plain {@code platform.<id>.send} when no owner is known. */
  public Future<String> address(String platformId) {
    String node = ownerNode.get(platformId);
    if (node != null && cluster.isMember(node)) {
      return Future.succeededFuture(Addresses.platformSendTo(platformId, node));
    }
    if (node != null) {
      // The owner left the cluster; whoever took over is in the map (or nobody is, and the answer is 404).
      ownerNode.remove(platformId, node);
    }
    if (map == null) {
      return Future.succeededFuture(Addresses.platformSend(platformId));
    }
    return map.get(platformId).map(entry -> {
      if (entry != null && entry.getValue("node_id") instanceof String n && cluster.isMember(n)) {
        ownerNode.putIfAbsent(platformId, n);
        return Addresses.platformSendTo(platformId, n);
      }
      return Addresses.platformSend(platformId);
    }).otherwise(Addresses.platformSend(platformId));
  }

  /** Drops a cached owner that did not answer there. */
  public void forget(String platformId) {
    ownerNode.remove(platformId);
  }

  public Future<Void> stop() {
    return notices == null ? Future.succeededFuture() : notices.unregister();
  }
}
