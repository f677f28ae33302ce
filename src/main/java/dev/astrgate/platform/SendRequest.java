package dev.astrgate.platform;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A message to deliver on a platform: what {@code im/message} and the replies to inbound messages hand to the adapter
 * that holds the platform. It owns its JSON form (docs/platforms.md), also the wire format for adapters outside the
 * JVM. {@code sessionId} is the platform's chat id as it appears in the UMO.
 */
public record SendRequest(String umo, String messageType, String sessionId, JsonArray parts) {
  public SendRequest {
    parts = parts == null ? new JsonArray() : parts;
  }

  public static SendRequest to(Umo umo, JsonArray parts) {
    return new SendRequest(umo.toString(), umo.messageType(), umo.sessionId(), parts);
  }

  /** The platform id, the UMO's first field. */
  public String platformId() {
    int colon = umo.indexOf(':');
    return colon < 0 ? umo : umo.substring(0, colon);
  }

  public boolean group() {
    return Umo.GROUP.equals(messageType);
  }

  public JsonObject toJson() {
    return new JsonObject().put("umo", umo).put("message_type", messageType).put("session_id", sessionId)
        .put("parts", parts);
  }

  /** Reads the JSON form; a missing umo or session id is a {@link SendFailure#INVALID} failure. */
  public static SendRequest fromJson(JsonObject o) {
    if (o == null || !(o.getValue("umo") instanceof String umo) || !(o.getValue("session_id") instanceof String sid)) {
      throw new SendFailure(SendFailure.INVALID, "send request needs umo and session_id");
    }
    return new SendRequest(umo, o.getString("message_type", Umo.FRIEND), sid,
        o.getValue("parts") instanceof JsonArray a ? a : new JsonArray());
  }

  /** What an adapter answers for a delivered send: {@code {"ok": true, "message_id": …}}. */
  public record Result(Object messageId) {
    public static final Result NONE = new Result(null);

    public JsonObject toJson() {
      return new JsonObject().put("ok", true).put("message_id", messageId);
    }

    public static Result fromJson(Object body) {
      return body instanceof JsonObject o ? new Result(o.getValue("message_id")) : NONE;
    }
  }
}
