package dev.astrgate.platform.satori;

import dev.astrgate.message.MessageParts;
import dev.astrgate.platform.InboundMessage;
import dev.astrgate.platform.Umo;
import dev.astrgate.platform.WakeRule;
import dev.astrgate.py.PyText;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Satori events to {@link InboundMessage}s, as AstrBot's satori adapter forms them: the session is the channel id,
 * a group message is one whose event has a guild with an id, {@code self_id} is the login's user id. Reads both
 * event generations (a {@code login} object and {@code sn}, or {@code platform}/{@code self_id} and {@code id}).
 */
final class SatoriCodec {
  static final String MESSAGE_CREATED = "message-created";

  private final String platformId;
  private final WakeRule wake;

  SatoriCodec(String platformId, WakeRule wake) {
    this.platformId = platformId;
    this.wake = wake;
  }

  /** The event's sequence number: {@code sn}, or {@code id} from servers of the older generation. */
  static Long sequence(JsonObject event) {
    Object v = event.containsKey("sn") ? event.getValue("sn") : event.getValue("id");
    return v instanceof Number n ? n.longValue() : null;
  }

  /** The bot account an event belongs to: {@code login}, or {@code platform}/{@code self_id} of older servers. */
  static JsonObject loginOf(JsonObject event) {
    if (event.getValue("login") instanceof JsonObject l && selfId(l) != null) {
      return l;
    }
    return new JsonObject().put("platform", event.getValue("platform")).put("self_id", event.getValue("self_id"));
  }

  /** A login's account id: {@code user.id}, or {@code self_id} of older servers; null when it has neither. */
  static String selfId(JsonObject login) {
    if (login.getValue("user") instanceof JsonObject u && u.getValue("id") != null) {
      return PyText.str(u.getValue("id"));
    }
    return login.getValue("self_id") == null ? null : PyText.str(login.getValue("self_id"));
  }

  static String platformOf(JsonObject login) {
    return login.getValue("platform") == null ? "" : PyText.str(login.getValue("platform"));
  }

  /** The channel an event happened in, or null. */
  static String channelOf(JsonObject event) {
    return event.getValue("channel") instanceof JsonObject c && c.getValue("id") != null
        ? PyText.str(c.getValue("id")) : null;
  }

  /**
   * The user message of a {@code message-created} event, or null when there is none for the pipeline: another event
   * type, no channel, the bot's own message, or a group message that does not wake the bot.
   */
  InboundMessage inbound(JsonObject event) {
    if (!MESSAGE_CREATED.equals(event.getValue("type"))) {
      return null;
    }
    JsonObject login = loginOf(event);
    String selfId = selfId(login);
    JsonObject user = event.getValue("user") instanceof JsonObject u ? u : new JsonObject();
    JsonObject msg = event.getValue("message") instanceof JsonObject m ? m : new JsonObject();
    String userId = user.getValue("id") == null ? "" : PyText.str(user.getValue("id"));
    String sessionId = channelOf(event);
    if (sessionId == null || userId.equals(selfId)) {
      return null;
    }
    String guildId = event.getValue("guild") instanceof JsonObject g && g.getValue("id") != null
        && !PyText.str(g.getValue("id")).isEmpty() ? PyText.str(g.getValue("id")) : null;
    boolean group = guildId != null;
    JsonArray parts = SatoriElements.decode(msg.getValue("content") instanceof String s ? s : "");
    if (msg.getValue("quote") instanceof JsonObject q && q.getValue("id") != null && !has(parts, "reply")) {
      String quoted = q.getValue("content") instanceof String c ? c : "";
      parts.add(0, new JsonObject().put("type", "reply").put("message_id", PyText.str(q.getValue("id")))
          .put("selected_text", MessageParts.plainText(SatoriElements.decode(quoted))));
    }
    boolean mentioned = selfId != null && parts.stream().anyMatch(p -> p instanceof JsonObject o
        && "at".equals(o.getString("type")) && selfId.equals(o.getValue("user_id")));
    String rawText = MessageParts.plainText(parts);
    WakeRule.Verdict verdict = wake.check(group, mentioned, rawText);
    if (!verdict.wake()) {
      return null;
    }
    String messageType = group ? Umo.GROUP : Umo.FRIEND;
    String messageId = msg.getValue("id") == null ? "" : PyText.str(msg.getValue("id"));
    Long seq = sequence(event);
    Object ts = event.getValue("timestamp");
    String nickname = user.getValue("nick") instanceof String n ? n
        : user.getValue("name") == null ? "" : PyText.str(user.getValue("name"));
    return new InboundMessage(platformId, SatoriAdapter.TYPE, Umo.of(platformId, messageType, sessionId), messageType,
        sessionId, platformId + ":" + (seq != null ? seq.toString() : messageId), messageId, selfId, userId, nickname,
        guildId, verdict.text(), rawText, parts, mentioned,
        // Satori stamps events in milliseconds; the inbound message carries seconds like the other adapters.
        ts instanceof Number t ? t.longValue() / 1000 : System.currentTimeMillis() / 1000);
  }

  private static boolean has(JsonArray parts, String type) {
    return parts.stream().anyMatch(p -> p instanceof JsonObject o && type.equals(o.getString("type")));
  }
}
