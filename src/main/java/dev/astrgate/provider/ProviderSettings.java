package dev.astrgate.provider;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One provider entry merged over its source, in the shape the HTTP client needs. */
record ProviderSettings(String id, String type, String model, String apiBase, List<String> keys, long timeoutMs,
    Map<String, String> customHeaders, int maxTokens) {
  static final long DEFAULT_TIMEOUT_SECONDS = 120;
  static final int DEFAULT_MAX_TOKENS = 4096;

  /** Reads AstrBot v4.22 keys from a provider entry already merged over its source. */
  static ProviderSettings from(JsonObject merged) {
    String id = stringOf(merged.getValue("id"));
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("provider entry without an id");
    }
    String type = stringOf(merged.getValue("type"));
    String defaultBase = switch (type == null ? "" : type) {
      case OpenAiDialect.TYPE -> OpenAiDialect.DEFAULT_API_BASE;
      case AnthropicDialect.TYPE -> AnthropicDialect.DEFAULT_API_BASE;
      default -> throw new IllegalArgumentException("unsupported provider type " + type);
    };
    String model = stringOf(merged.getValue("model"));
    if (model == null && merged.getValue("model_config") instanceof JsonObject mc) {
      model = stringOf(mc.getValue("model"));
    }
    String base = stringOf(merged.getValue("api_base"));
    base = base == null || base.isBlank() ? defaultBase : base.strip();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return new ProviderSettings(id.strip(), type, model == null ? "" : model.strip(), base, keys(merged.getValue("key")),
        timeoutMs(merged.getValue("timeout")), headers(merged.getValue("custom_headers")),
        (int) positive(merged.getValue("max_tokens"), DEFAULT_MAX_TOKENS));
  }

  /** A list of keys or one key; blanks are dropped, so an all-blank list means "no key" (Ollama and friends). */
  static List<String> keys(Object value) {
    List<String> out = new ArrayList<>();
    if (value instanceof JsonArray a) {
      for (Object k : a) {
        if (k instanceof String s && !s.isBlank()) {
          out.add(s.strip());
        }
      }
    } else if (value instanceof String s && !s.isBlank()) {
      out.add(s.strip());
    }
    return out;
  }

  private static long timeoutMs(Object value) {
    double seconds = value instanceof Number n ? n.doubleValue() : parse(value);
    return seconds > 0 ? Math.max(1, Math.round(seconds * 1000)) : DEFAULT_TIMEOUT_SECONDS * 1000;
  }

  private static long positive(Object value, long fallback) {
    double v = value instanceof Number n ? n.doubleValue() : parse(value);
    return v > 0 ? (long) v : fallback;
  }

  private static double parse(Object value) {
    if (value instanceof String s) {
      try {
        return Double.parseDouble(s.strip());
      } catch (NumberFormatException e) {
        return -1;
      }
    }
    return -1;
  }

  private static Map<String, String> headers(Object value) {
    Map<String, String> out = new LinkedHashMap<>();
    if (value instanceof JsonObject o) {
      for (Map.Entry<String, Object> e : o) {
        if (e.getValue() != null && !e.getKey().isBlank()) {
          out.put(e.getKey(), String.valueOf(e.getValue()));
        }
      }
    }
    return Collections.unmodifiableMap(out);
  }

  private static String stringOf(Object v) {
    return v instanceof String s ? s : null;
  }
}
