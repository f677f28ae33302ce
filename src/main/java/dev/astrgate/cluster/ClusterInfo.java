package dev.astrgate.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import java.util.List;

/** This node's place in the cluster: its id, the live members, and whether the cluster manager still works. */
public final class ClusterInfo {
  private final Vertx vertx;
  private final String nodeName;
  private final java.util.function.Supplier<List<String>> fixedMembers;

  public ClusterInfo(Vertx vertx, String nodeName) {
    this(vertx, nodeName, null);
  }

  /**
   * A node of a simulated cluster on one unclustered Vert.x (in-process tests of the ownership units): its id is
   * {@code nodeName} and the live members are whatever {@code members} says.
   */
  public ClusterInfo(Vertx vertx, String nodeName, java.util.function.Supplier<List<String>> members) {
    this.vertx = vertx;
    this.nodeName = nodeName;
    this.fixedMembers = members;
  }

  private ClusterManager manager() {
    return vertx instanceof VertxInternal vi ? vi.clusterManager() : null;
  }

  public boolean clustered() {
    return manager() != null;
  }

  public String nodeName() {
    return nodeName;
  }

  /** The cluster member id, or the node name when not clustered. */
  public String nodeId() {
    ClusterManager m = manager();
    return m == null ? nodeName : m.getNodeId();
  }

  /** False only for a clustered node whose cluster manager stopped (shut down, or lost and not rejoined). */
  public boolean available() {
    ClusterManager m = manager();
    return m == null || m.isActive();
  }

  /** Ids of the live members; just this node when not clustered. */
  public List<String> members() {
    if (fixedMembers != null) {
      return fixedMembers.get();
    }
    ClusterManager m = manager();
    if (m == null) {
      return List.of(nodeName);
    }
    return m.isActive() ? m.getNodes() : List.of();
  }

  public boolean isMember(String nodeId) {
    return members().contains(nodeId);
  }

  /** The {@code cluster} section of /readyz. */
  public JsonObject toJson() {
    boolean up = available();
    return new JsonObject()
        .put("enabled", clustered())
        .put("status", up ? "UP" : "DOWN")
        .put("members", members().size())
        .put("node_id", nodeId());
  }
}
