package dev.astrgate.http;

import dev.astrgate.config.ApiOptions;
import dev.astrgate.config.ConfSet;
import dev.astrgate.config.NodeOptions;

/** What every ApiVerticle instance shares: options and the loaded configs. */
public record ApiSettings(NodeOptions node, ApiOptions options, ConfSet confs) {
  static final String KEY = "astrgate.settings";
}
