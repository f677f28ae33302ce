package dev.astrgate.chat;

import dev.astrgate.config.ConfSet;
import dev.astrgate.store.ChatOps;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.regex.Pattern;

/** Upstream's UMO → config routing: the first pattern that matches wins; parts may be empty or fnmatch wildcards. */
final class ConfigRoutes {
  private ConfigRoutes() {
  }

  /** The config id a UMO routes to; with the default config alone no route can name another, so nothing is read. */
  static Future<String> resolve(StoreClient store, String umo, ConfSet confs) {
    if (confs.all().size() == 1) {
      return Future.succeededFuture("default");
    }
    return store.chat(new ChatOps.LoadRoutes()).map(routes -> match(routes, umo, confs));
  }

  /** The config id for a UMO, falling back to "default" when nothing matches or the config is gone. */
  static String match(JsonObject routes, String umo, ConfSet confs) {
    for (String pattern : routes.fieldNames()) {
      Object id = routes.getValue(pattern);
      if (id instanceof String cid && matches(pattern, umo) && confs.byId(cid).isPresent()) {
        return cid;
      }
    }
    return "default";
  }

  static boolean matches(String pattern, String umo) {
    if (pattern.equals(umo)) {
      return true;
    }
    String[] p = pattern.split(":", 3);
    String[] u = umo.split(":", 3);
    if (p.length != 3 || u.length != 3) {
      return false;
    }
    for (int i = 0; i < 3; i++) {
      if (!p[i].isEmpty() && !glob(p[i]).matcher(u[i]).matches()) {
        return false;
      }
    }
    return true;
  }

  private static Pattern glob(String g) {
    StringBuilder re = new StringBuilder();
    for (char c : g.toCharArray()) {
      switch (c) {
        case '*' -> re.append(".*");
        case '?' -> re.append('.');
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }
}
