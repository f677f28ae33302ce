package dev.astrgate.auth;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/** The four API-key scopes and the exact-path scope map of upstream's auth middleware, plus astrgate's own. */
public final class Scopes {
  /** Upstream's four scopes: what a key gets when none are asked for. */
  public static final List<String> ALL = List.of("chat", "config", "file", "im");
  /**
   * astrgate only: adapter workers on the TCP bridge (docs/workers.md). Opens no HTTP route, and a key has it only
   * when it names it: upstream's "all scopes" (null) does not include it.
   */
  public static final String PLATFORM = "platform";

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

  /** True when the key may attach adapter workers: it names {@link #PLATFORM} itself. */
  public static boolean allowsPlatform(List<String> scopes) {
    return scopes != null && scopes.contains(PLATFORM);
  }

  /** Keeps known scopes, de-duplicated, in the given order; unknown ones are dropped as upstream does. */
  public static List<String> normalize(List<String> requested) {
    LinkedHashSet<String> kept = new LinkedHashSet<>();
    for (String s : requested) {
      String t = s == null ? "" : s.trim();
      if (ALL.contains(t) || PLATFORM.equals(t)) {
        kept.add(t);
      }
    }
    return new ArrayList<>(kept);
  }
}
