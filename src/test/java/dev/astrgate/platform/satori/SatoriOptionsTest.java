package dev.astrgate.platform.satori;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** AstrBot's keys and defaults, values as the dashboard saves them, and the reconnect back-off. */
class SatoriOptionsTest {
  @Test
  void defaultsAreAstrBots() {
    SatoriOptions o = SatoriOptions.of(new JsonObject().put("id", "s"));
    assertEquals("http://localhost:5140/satori/v1", o.apiBaseUrl());
    assertEquals("ws://localhost:5140/satori/v1/events", o.endpoint());
    assertEquals("", o.token());
    assertTrue(o.autoReconnect());
    assertEquals(10, o.heartbeatSeconds());
    assertEquals(5, o.reconnectDelaySeconds());
  }

  @Test
  void valuesAsSavedAreRead() {
    SatoriOptions o = SatoriOptions.of(new JsonObject().put("id", "s").put("satori_api_base_url", "http://h:1/v1//")
        .put("satori_token", " t ").put("satori_auto_reconnect", false).put("satori_heartbeat_interval", "3")
        .put("satori_reconnect_delay", 0));
    assertEquals("http://h:1/v1", o.apiBaseUrl());
    assertEquals("t", o.token());
    assertFalse(o.autoReconnect());
    assertEquals(3, o.heartbeatSeconds());
    assertEquals(5, o.reconnectDelaySeconds(), "a non-positive delay falls back to the default");
  }

  @Test
  void backOffDoublesUpToAMinute() {
    SatoriOptions o = SatoriOptions.of(new JsonObject().put("id", "s").put("satori_reconnect_delay", 5));
    assertEquals(5_000, o.reconnectDelayMs(1));
    assertEquals(10_000, o.reconnectDelayMs(2));
    assertEquals(40_000, o.reconnectDelayMs(4));
    assertEquals(60_000, o.reconnectDelayMs(5));
    assertEquals(60_000, o.reconnectDelayMs(1_000));
  }
}
