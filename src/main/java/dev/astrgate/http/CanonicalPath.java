package dev.astrgate.http;

import java.util.Locale;

/**
 * The one spelling of a path the gateway serves. A path is canonical when it starts with {@code /}, has no empty,
 * {@code .} or {@code ..} segment, no trailing slash (except {@code /} itself), no backslash, no encoded slash,
 * backslash, dot or NUL, and no percent-encoded character that Vert.x would decode before routing. Anything else is
 * refused before it can reach a route: the router tolerates some of these variants, and a scope check that saw one
 * spelling while the router saw another is how a key without the scope reached a handler.
 */
final class CanonicalPath {
  private static final String[] ENCODED_FORBIDDEN = {"%2f", "%5c", "%2e", "%00"};

  private CanonicalPath() {
  }

  /** {@code raw}: the request's undecoded path; {@code normalized}: what the router matches on. */
  static boolean isCanonical(String raw, String normalized) {
    if (raw == null || raw.isEmpty() || raw.charAt(0) != '/' || !raw.equals(normalized)) {
      return false;
    }
    if (raw.length() > 1 && raw.endsWith("/")) {
      return false;
    }
    if (raw.contains("//") || raw.indexOf('\\') >= 0 || raw.contains("/./") || raw.contains("/../")
        || raw.endsWith("/.") || raw.endsWith("/..")) {
      return false;
    }
    if (raw.indexOf('%') >= 0) {
      String lower = raw.toLowerCase(Locale.ROOT);
      for (String bad : ENCODED_FORBIDDEN) {
        if (lower.contains(bad)) {
          return false;
        }
      }
    }
    for (int i = 0; i < raw.length(); i++) {
      if (raw.charAt(i) < 0x20 || raw.charAt(i) == 0x7f) {
        return false;
      }
    }
    return true;
  }
}
