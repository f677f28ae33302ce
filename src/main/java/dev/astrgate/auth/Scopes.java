package dev.astrgate.auth;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/** The four API-key scopes and the exact-path scope map of upstream's auth middleware. */
public final class Scopes {
  public static final List<String> ALL = List.of("chat", "config", "file", "im");

  private static final Map<String, String> BY_PATH = Map.of(
      "/api/v1/chat", "chat",
      "/api/v1/chat/ws", "chat",
      "/api/v1/chat/sessions", "chat",
      "/api/v1/configs", "config",
      "/api/v1/file", "file",
      "/api/v1/im/message", "im",
      "/api/v1/im/bots", "im");

  private Scopes() {
  }

  /** The scope a path needs, or null when it needs none (it will 404/405 after auth). */
  public static String requiredFor(String path) {
    return BY_PATH.get(path);
  }

  /** Keeps known scopes, de-duplicated, in the given order; unknown ones are dropped as upstream does. */
  public static List<String> normalize(List<String> requested) {
    LinkedHashSet<String> kept = new LinkedHashSet<>();
    for (String s : requested) {
      String t = s == null ? "" : s.trim();
      if (ALL.contains(t)) {
        kept.add(t);
      }
    }
    return new ArrayList<>(kept);
  }
}
