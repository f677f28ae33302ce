package dev.astrgate.platform.route;

import io.vertx.core.json.JsonObject;

/**
 * The value of the cluster map {@code astrgate.platform.connections} for one platform: who holds it. A OneBot owner
 * names its connection; a Telegram poller has none and its epoch is its offset lease. Map updates compare the
 * whole JSON, so {@link #toJson} is the only encoder.
 */
public record OwnerEntry(String node, String nodeId, String connectionId, long epoch, String since, boolean poller) {
  public JsonObject toJson() {
    JsonObject o = new JsonObject().put("node", node).put("node_id", nodeId);
    if (connectionId != null) {
      o.put("connection_id", connectionId);
    }
    o.put("epoch", epoch);
    if (since != null) {
      o.put("since", since);
    }
    if (poller) {
      o.put("poller", true).put("lease", epoch);
    }
    return o;
  }

  /** Null for null; lenient about missing fields (entries written by older nodes). */
  public static OwnerEntry fromJson(JsonObject o) {
    if (o == null) {
      return null;
    }
    return new OwnerEntry(o.getString("node"), o.getString("node_id"), o.getString("connection_id"),
        o.getLong("epoch", o.getLong("lease", -1L)), o.getString("since"), o.getBoolean("poller", false));
  }

  /** The epoch of a possibly absent entry; -1 when absent. */
  public static long epochOf(OwnerEntry e) {
    return e == null ? -1 : e.epoch;
  }
}
