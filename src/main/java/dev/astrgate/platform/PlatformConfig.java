package dev.astrgate.platform;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The platform entries a node runs: enabled entries of the default config's {@code platform} list, first id wins. */
public final class PlatformConfig {
  private PlatformConfig() {
  }

  /** Enabled entries ({@code "enable": true}, as upstream loads only those) with a non-empty string id, in order. */
  public static List<JsonObject> enabled(JsonObject conf) {
    Map<String, JsonObject> byId = new LinkedHashMap<>();
    for (Object entry : conf.getJsonArray("platform", new JsonArray())) {
      if (entry instanceof JsonObject p && p.getValue("id") instanceof String id && !id.isEmpty()
          && Boolean.TRUE.equals(p.getValue("enable")) && !byId.containsKey(id)) {
        byId.put(id, p);
      }
    }
    return new ArrayList<>(byId.values());
  }

  /** {@code platform_settings.wake_prefix}, else top-level {@code wake_prefix}; a string or a list; default {@code ["/"]}. */
  public static List<String> wakePrefixes(JsonObject conf) {
    JsonObject settings = conf.getJsonObject("platform_settings", new JsonObject());
    Object v = settings.containsKey("wake_prefix") ? settings.getValue("wake_prefix") : conf.getValue("wake_prefix");
    List<String> out = new ArrayList<>();
    if (v instanceof String s) {
      out.add(s);
    } else if (v instanceof JsonArray a) {
      a.forEach(x -> {
        if (x instanceof String s && !s.isEmpty()) {
          out.add(s);
        }
      });
    } else {
      out.add("/");
    }
    return List.copyOf(out);
  }

  /** A positive number from an entry, else the default; accepts numeric strings as AstrBot's dashboard may save them. */
  public static long number(JsonObject entry, String key, long def) {
    Object v = entry.getValue(key);
    if (v instanceof Number n && n.longValue() > 0) {
      return n.longValue();
    }
    if (v instanceof String s && !s.isBlank()) {
      try {
        long n = (long) Double.parseDouble(s.strip());
        return n > 0 ? n : def;
      } catch (NumberFormatException e) {
        return def;
      }
    }
    return def;
  }

  public static String string(JsonObject entry, String key, String def) {
    Object v = entry.getValue(key);
    return v instanceof String s && !s.isBlank() ? s.strip() : v instanceof Number n ? n.toString() : def;
  }
}
