package dev.astrgate.chat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The parts of one AstrBot config the chat pipeline reads, with upstream's defaults. */
record ChatSettings(boolean streaming, boolean displayReasoning, int maxContextLength, int dequeueContextLength,
                    boolean generateTitle, String systemPrompt, String personaPrompt, int rateLimitCount, int rateLimitSeconds,
                    boolean rateLimitDiscard) {

  static final String DEFAULT_WEBCHAT_PROMPT =
      "You are a helpful assistant talking with a person through a web chat. Answer clearly and concisely.";

  static ChatSettings from(JsonObject conf) {
    JsonObject ps = conf.getJsonObject("provider_settings", new JsonObject());
    JsonObject rl = conf.getJsonObject("platform_settings", new JsonObject()).getJsonObject("rate_limit", new JsonObject());
    return new ChatSettings(
        bool(ps.getValue("streaming_response"), false),
        bool(ps.getValue("display_reasoning_text"), false),
        integer(ps.getValue("max_context_length"), -1),
        Math.max(1, integer(ps.getValue("dequeue_context_length"), 1)),
        bool(ps.getValue("generate_session_title"), true),
        orDefault(persona(conf, ps)),
        persona(conf, ps),
        integer(rl.getValue("count"), 30),
        Math.max(1, integer(rl.getValue("time"), 60)),
        "discard".equals(rl.getString("strategy")));
  }

  private static String orDefault(String persona) {
    return persona == null ? DEFAULT_WEBCHAT_PROMPT : persona;
  }

  /** The default persona's prompt, or null; webchat falls back to a built-in prompt as upstream does. */
  private static String persona(JsonObject conf, JsonObject ps) {
    Object name = ps.getValue("default_personality");
    JsonArray personas = conf.getJsonArray("persona", new JsonArray());
    for (Object o : personas) {
      if (o instanceof JsonObject p && name != null && name.equals(p.getValue("name")) && p.getValue("prompt") instanceof String s) {
        return s;
      }
    }
    return null;
  }

  private static boolean bool(Object v, boolean def) {
    return v instanceof Boolean b ? b : v instanceof String s ? Boolean.parseBoolean(s.trim()) : def;
  }

  private static int integer(Object v, int def) {
    if (v instanceof Number n) {
      return n.intValue();
    }
    if (v instanceof String s && !s.isBlank()) {
      try {
        return (int) Double.parseDouble(s.trim());
      } catch (NumberFormatException e) {
        return def;
      }
    }
    return def;
  }
}
