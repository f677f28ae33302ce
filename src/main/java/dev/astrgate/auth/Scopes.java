package dev.astrgate.auth;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The four API-key scopes, plus astrgate's own {@link #PLATFORM}. Which scope a path needs is not kept here: it is
 * declared with each route when the router is built ({@code http.ApiVerticle}), so the scope check and the router
 * cannot disagree.
 */
public final class Scopes {
  /** Upstream's four scopes: what a key gets when none are asked for. */
  public static final List<String> ALL = List.of("chat", "config", "file", "im");
  /**
   * astrgate only: adapter workers on the TCP bridge (docs/workers.md). Opens no HTTP route, and a key has it only
   * when it names it: upstream's "all scopes" (null) does not include it.
   */
  public static final String PLATFORM = "platform";

  private Scopes() {
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
