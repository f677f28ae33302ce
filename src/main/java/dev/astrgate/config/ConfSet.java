package dev.astrgate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/** All configs the node serves: the default plus extras from the conf directory. */
public record ConfSet(ConfFile defaults, List<ConfFile> extras) {

  public ConfSet {
    extras = List.copyOf(extras);
  }

  /** Extras first, default last, as upstream's /configs lists them. */
  public List<ConfFile> all() {
    List<ConfFile> all = new ArrayList<>(extras);
    all.add(defaults);
    return all;
  }

  public Optional<ConfFile> byId(String id) {
    return all().stream().filter(c -> c.id().equals(id)).findFirst();
  }

  public List<ConfFile> byName(String name) {
    return all().stream().filter(c -> c.name().equals(name)).toList();
  }

  /** The ids of the default config's platform entries: non-empty string ids, de-duplicated, in order. */
  public List<String> botIds() {
    LinkedHashSet<String> ids = new LinkedHashSet<>();
    JsonArray platforms = defaults.json().getJsonArray("platform", new JsonArray());
    for (Object entry : platforms) {
      if (entry instanceof JsonObject p && p.getValue("id") instanceof String id && !id.isEmpty()) {
        ids.add(id);
      }
    }
    return List.copyOf(ids);
  }
}
