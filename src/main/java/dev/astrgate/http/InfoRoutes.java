package dev.astrgate.http;

import dev.astrgate.config.ConfFile;
import dev.astrgate.config.ConfSet;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** GET /api/v1/im/bots and GET /api/v1/configs: answered from the loaded configs, no storage involved. */
final class InfoRoutes {
  private final JsonObject bots;
  private final JsonObject configs;

  InfoRoutes(ConfSet confs) {
    this.bots = new JsonObject().put("bot_ids", new JsonArray(confs.botIds()));
    JsonArray list = new JsonArray();
    for (ConfFile c : confs.all()) {
      list.add(c.toListEntry());
    }
    this.configs = new JsonObject().put("configs", list);
  }

  void bots(RoutingContext ctx) {
    Responses.ok(ctx, bots.copy());
  }

  void configs(RoutingContext ctx) {
    Responses.ok(ctx, configs.copy());
  }
}
