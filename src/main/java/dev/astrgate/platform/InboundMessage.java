package dev.astrgate.platform;

import dev.astrgate.py.PyText;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A user message an adapter hands to the chat pipeline (on {@code chat.inbound}). It owns its JSON form, which is also
 * the wire format for adapters outside the JVM; field names are documented in docs/platforms.md.
 *
 * @param timestamp the platform's own time value (seconds since the epoch, as the platform sent it), or null
 */
public record InboundMessage(String platformId, String platformType, String umo, String messageType, String sessionId,
                             String eventId, String messageId, String selfId, String senderId, String senderNickname,
                             String groupId, String text, String rawText, JsonArray parts, boolean mentioned,
                             Object timestamp) {

  /** Thrown by {@link #fromJson} for a body that lacks a required field. */
  public static final class Malformed extends IllegalArgumentException {
    Malformed(String message) {
      super(message);
    }
  }

  public InboundMessage {
    parts = parts == null ? new JsonArray() : parts;
    text = text == null ? "" : text;
    rawText = rawText == null ? text : rawText;
  }

  /** The usual construction: the UMO follows from platform id, message type and session id. */
  public static InboundMessage of(String platformId, String platformType, String messageType, String sessionId,
                                  String messageId, String selfId, String senderId, String senderNickname,
                                  String text, String rawText, JsonArray parts, boolean mentioned, Object timestamp) {
    boolean group = Umo.GROUP.equals(messageType);
    return new InboundMessage(platformId, platformType, Umo.of(platformId, messageType, sessionId), messageType,
        sessionId, platformId + ":" + messageId, messageId, selfId, senderId, senderNickname, group ? sessionId : null,
        text, rawText, parts, mentioned, timestamp);
  }

  /** The event id: platform id and the platform's own id of the event, unique per platform. */
  public InboundMessage withEventId(String eventId) {
    return new InboundMessage(platformId, platformType, umo, messageType, sessionId, eventId, messageId, selfId,
        senderId, senderNickname, groupId, text, rawText, parts, mentioned, timestamp);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("platform_id", platformId)
        .put("platform_type", platformType)
        .put("umo", umo)
        .put("message_type", messageType)
        .put("session_id", sessionId)
        .put("event_id", eventId)
        .put("message_id", messageId)
        .put("self_id", selfId)
        .put("sender", new JsonObject().put("user_id", senderId).put("nickname", senderNickname))
        .put("group_id", groupId)
        .put("text", text)
        .put("raw_text", rawText)
        .put("parts", parts)
        .put("mentioned", mentioned)
        .put("timestamp", timestamp);
  }

  /** Reads the JSON form; {@code platform_id}, {@code umo} and {@code session_id} are required. */
  public static InboundMessage fromJson(JsonObject o) {
    return fromJson(o, null, null);
  }

  /**
   * Reads the JSON form of a sender that may leave out its platform id and type (an adapter worker, which claimed
   * them already): absent ones are the given defaults.
   */
  public static InboundMessage fromJson(JsonObject o, String defaultPlatformId, String defaultPlatformType) {
    if (o == null) {
      throw new Malformed("inbound message is not a JSON object");
    }
    JsonObject sender = o.getValue("sender") instanceof JsonObject s ? s : new JsonObject();
    String platformId = o.containsKey("platform_id") || defaultPlatformId == null ? required(o, "platform_id")
        : defaultPlatformId;
    String platformType = o.containsKey("platform_type") ? string(o, "platform_type") : defaultPlatformType;
    return new InboundMessage(platformId, platformType, required(o, "umo"),
        string(o, "message_type"), required(o, "session_id"), string(o, "event_id"), string(o, "message_id"),
        string(o, "self_id"), string(sender, "user_id"), string(sender, "nickname"), string(o, "group_id"),
        string(o, "text"), string(o, "raw_text"), o.getValue("parts") instanceof JsonArray a ? a : new JsonArray(),
        Boolean.TRUE.equals(o.getValue("mentioned")), o.getValue("timestamp"));
  }

  /** The send that answers this message in the same chat. */
  public SendRequest reply(JsonArray answer) {
    return new SendRequest(umo, messageType, sessionId, answer);
  }

  private static String required(JsonObject o, String key) {
    String v = string(o, key);
    if (v == null || v.isEmpty()) {
      throw new Malformed("inbound message has no " + key);
    }
    return v;
  }

  private static String string(JsonObject o, String key) {
    Object v = o.getValue(key);
    return v == null ? null : v instanceof String s ? s : PyText.str(v);
  }
}
