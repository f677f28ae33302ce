package dev.astrgate.config;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * Length limits of the identifiers and text a request may carry, in characters. Each comes from the default
 * conf's {@code limits} section or its {@code ASTRGATE_LIMIT_*} variable, and is capped at the width of the column
 * that stores it, so nothing PostgreSQL would refuse gets that far.
 */
public record InputLimits(int username, int sessionId, int umo, int platformId, int attachmentId, int messageChars) {
  /** name in {@code limits}, environment variable, default, column width (0: no column), what it bounds. */
  public static final String[][] SETTINGS = {
      {"username_max_chars", "ASTRGATE_LIMIT_USERNAME_CHARS", "255", "255", "username (chat, chat/sessions)"},
      {"session_id_max_chars", "ASTRGATE_LIMIT_SESSION_ID_CHARS", "100", "100", "session_id / conversation_id; the session part of a webchat umo"},
      {"umo_max_chars", "ASTRGATE_LIMIT_UMO_CHARS", "512", "512", "umo (im/message)"},
      {"platform_id_max_chars", "ASTRGATE_LIMIT_PLATFORM_ID_CHARS", "255", "255", "platform_id (chat/sessions, the platform part of a umo)"},
      {"attachment_id_max_chars", "ASTRGATE_LIMIT_ATTACHMENT_ID_CHARS", "36", "36", "attachment_id (file download)"},
      {"message_max_chars", "ASTRGATE_LIMIT_MESSAGE_CHARS", "100000", "0", "message text, all plain parts together (chat, im/message)"},
  };

  public static InputLimits from(JsonObject conf, Map<String, String> env) {
    JsonObject section = conf.getJsonObject("limits", new JsonObject());
    int[] v = new int[SETTINGS.length];
    for (int i = 0; i < SETTINGS.length; i++) {
      String[] s = SETTINGS[i];
      String fromEnv = env.get(s[1]);
      Object fromConf = section.getValue(s[0]);
      long value;
      try {
        value = fromEnv != null && !fromEnv.isBlank() ? Long.parseLong(fromEnv.trim())
            : fromConf instanceof Number n ? n.longValue()
            : fromConf instanceof String str && !str.isBlank() ? Long.parseLong(str.trim()) : Long.parseLong(s[2]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(s[1] + " / limits." + s[0] + " must be an integer");
      }
      if (value < 1) {
        throw new IllegalArgumentException(s[1] + " / limits." + s[0] + " must be at least 1");
      }
      long column = Long.parseLong(s[3]);
      v[i] = (int) Math.min(column > 0 ? Math.min(value, column) : value, Integer.MAX_VALUE);
    }
    return new InputLimits(v[0], v[1], v[2], v[3], v[4], v[5]);
  }
}
