package dev.astrgate.auth;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The four API-key scopes. Which scope a path needs is not kept here: it is declared with each route when the
 * router is built ({@code http.ApiVerticle}), so the scope check and the router cannot disagree.
 */
public final class Scopes {
  public static final List<String> ALL = List.of("chat", "config", "file", "im");

  private Scopes() {
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
