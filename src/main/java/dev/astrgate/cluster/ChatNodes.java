package dev.astrgate.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.List;

/**
 * The nodes that run a chat pipeline, in the cluster map {@code astrgate.chat.nodes} (node id to node name), so an
 * adapter can address a live chat node directly ({@link Addresses#chatInboundTo}) instead of round-robin, which may
 * still pick a member that has just died and lose the message there. Entries of dead members are skipped.
 */
public final class ChatNodes {
  private static final long CACHE_MS = 1_000;

  private final Vertx vertx;
  private final ClusterInfo cluster;
  private volatile List<String> cached = List.of();
  private volatile long cachedAt;

  public ChatNodes(Vertx vertx, ClusterInfo cluster) {
    this.vertx = vertx;
    this.cluster = cluster;
  }

  private Future<AsyncMap<String, String>> map() {
    return vertx.sharedData().getAsyncMap(Addresses.CHAT_NODES_MAP);
  }

  /** This node runs a pipeline now (idempotent). */
  public Future<Void> join() {
    return map().compose(m -> m.put(cluster.nodeId(), cluster.nodeName()));
  }

  public Future<Void> leave() {
    return map().compose(m -> m.remove(cluster.nodeId())).mapEmpty();
  }

  /** Ids of the live chat nodes (read at most once a second). */
  public Future<List<String>> live() {
    if (System.currentTimeMillis() - cachedAt < CACHE_MS) {
      return Future.succeededFuture(filter(cached));
    }
    return map().compose(AsyncMap::keys).map(keys -> {
      List<String> ids = new ArrayList<>(keys);
      ids.sort(null);
      cached = ids;
      cachedAt = System.currentTimeMillis();
      return filter(ids);
    });
  }

  /** Drops the cache, so the next {@link #live} reads the map again. */
  public void refresh() {
    cachedAt = 0;
  }

  private List<String> filter(List<String> ids) {
    List<String> members = cluster.members();
    return ids.stream().filter(members::contains).toList();
  }
}
