package dev.astrgate.chat;

import dev.astrgate.py.PyJson;
import io.vertx.core.json.JsonObject;

/** Builders for upstream's SSE events (ASTRBOT.md §5.3), key order exactly as upstream writes them. */
public final class SseEvents {
  private SseEvents() {
  }

  public static JsonObject sessionId(String sessionId) {
    return new JsonObject().put("type", "session_id").put("data", null).put("session_id", sessionId);
  }

  public static JsonObject plain(String text, boolean streaming, String chainType, String messageId) {
    return new JsonObject().put("type", "plain").put("data", text).put("streaming", streaming)
        .put("chain_type", chainType).put("message_id", messageId);
  }

  public static JsonObject agentStats(JsonObject stats) {
    return new JsonObject().put("type", "agent_stats").put("data", stats);
  }

  public static JsonObject complete(String text, String reasoning, String messageId) {
    return new JsonObject().put("type", "complete").put("data", text).put("reasoning", reasoning)
        .put("streaming", true).put("message_id", messageId);
  }

  /** The variant injected after a proactive message pushed into an open stream. */
  public static JsonObject pushedComplete(String text, String messageId) {
    return new JsonObject().put("type", "complete").put("data", text).put("streaming", true)
        .put("chain_type", null).put("message_id", messageId);
  }

  public static JsonObject messageSaved(long id, String createdAt) {
    return new JsonObject().put("type", "message_saved").put("data", new JsonObject().put("id", id).put("created_at", createdAt));
  }

  public static JsonObject end(String messageId) {
    return new JsonObject().put("type", "end").put("data", "").put("streaming", false).put("message_id", messageId);
  }

  /**
   * The frame of {@link #plain} written straight from its fields, with no JSON tree: the one event a turn sends per
   * delta. Byte for byte the same as {@code frame(plain(...))}.
   */
  public static String plainFrame(String text, boolean streaming, String chainType, String messageId) {
    return "data: {\"type\": \"plain\", \"data\": " + PyJson.encode(text) + ", \"streaming\": " + streaming
        + ", \"chain_type\": " + PyJson.encode(chainType) + ", \"message_id\": " + PyJson.encode(messageId) + "}\n\n";
  }

  /** One SSE frame: {@code data: <python-style json>\n\n}. */
  public static String frame(JsonObject event) {
    return "data: " + PyJson.encode(event) + "\n\n";
  }
}
