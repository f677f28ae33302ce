package dev.astrgate.platform.route;

import io.vertx.core.json.JsonObject;

/**
 * A cluster-wide notice on {@code platform.ownership}: {@code owner} when a node took a platform (with the epoch it
 * took it under), {@code vacant} when the holder removed its entry. Notices are hints; the map is the truth.
 */
public record OwnershipNotice(Event event, String platformId, String nodeId, String connectionId, long epoch) {
  /** What happened. */
  public enum Event { OWNER, VACANT }

  public static OwnershipNotice owner(String platformId, OwnerEntry e) {
    return new OwnershipNotice(Event.OWNER, platformId, e.nodeId(), e.connectionId(), e.epoch());
  }

  public static OwnershipNotice vacant(String platformId, OwnerEntry e) {
    return new OwnershipNotice(Event.VACANT, platformId, e.nodeId(), e.connectionId(), e.epoch());
  }

  public JsonObject toJson() {
    JsonObject o = new JsonObject().put("event", event == Event.OWNER ? "owner" : "vacant")
        .put("platform_id", platformId).put("node_id", nodeId);
    if (connectionId != null) {
      o.put("connection_id", connectionId);
    }
    return o.put("epoch", epoch);
  }

  /** Null for anything that is not a well-formed notice. */
  public static OwnershipNotice fromJson(Object body) {
    if (!(body instanceof JsonObject o) || !(o.getValue("platform_id") instanceof String id)
        || !(o.getValue("node_id") instanceof String node)) {
      return null;
    }
    Event event = switch (String.valueOf(o.getValue("event"))) {
      case "owner" -> Event.OWNER;
      case "vacant" -> Event.VACANT;
      default -> null;
    };
    if (event == null) {
      return null;
    }
    return new OwnershipNotice(event, id, node, o.getValue("connection_id") instanceof String c ? c : null,
        o.getValue("epoch") instanceof Number n ? n.longValue() : -1);
  }
}
