package dev.astrgate.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Building providers from AstrBot v4.22 config: defaults, disabled entries, inheritance, key forms. */
@ExtendWith(VertxExtension.class)
class ProviderRegistryTest {
  private static JsonObject source(String id, String type, boolean enable) {
    return new JsonObject().put("id", id).put("type", type).put("enable", enable)
        .put("key", new JsonArray().add("k1")).put("api_base", "http://127.0.0.1:9/v1/").put("timeout", 30);
  }

  private static JsonObject provider(String id, String source, String model, Boolean enable) {
    JsonObject p = new JsonObject().put("id", id).put("provider_source_id", source).put("model", model);
    return enable == null ? p : p.put("enable", enable);
  }

  private static JsonObject config() {
    return new JsonObject()
        .put("provider_sources", new JsonArray()
            .add(source("openai", "openai_chat_completion", true))
            .add(source("claude", "anthropic_chat_completion", true))
            .add(source("off", "openai_chat_completion", false))
            .add(source("gemini", "googlegenai_chat_completion", true)))
        .put("provider", new JsonArray()
            .add(provider("disabled", "openai", "m0", false))
            .add(provider("gpt", "openai", "gpt-4.1-mini", null))
            .add(provider("sonnet", "claude", "claude-sonnet-4", true))
            .add(provider("from-off-source", "off", "m1", true))
            .add(provider("no-such-source", "nowhere", "m2", true))
            .add(provider("gem", "gemini", "gemini-2.5", true))
            .add(provider("tts", "openai", "tts-1", true).put("provider_type", "text_to_speech")))
        .put("provider_settings", new JsonObject().put("default_provider_id", "sonnet"));
  }

  @Test
  void defaultProviderIsTheConfiguredOne(Vertx vertx) {
    ProviderRegistry r = ProviderRegistry.fromConfig(vertx, config());
    try {
      assertEquals("sonnet", r.defaultProvider().orElseThrow().id());
      assertEquals("claude-sonnet-4", r.defaultProvider().orElseThrow().model());
      assertEquals(List.of("gpt", "sonnet"), r.all().stream().map(ChatProvider::id).toList());
    } finally {
      r.close();
    }
  }

  @Test
  void disabledUnsupportedAndUnknownEntriesAreSkipped(Vertx vertx) {
    ProviderRegistry r = ProviderRegistry.fromConfig(vertx, config());
    try {
      for (String id : List.of("disabled", "from-off-source", "no-such-source", "gem", "tts", "unknown")) {
        assertTrue(r.byId(id).isEmpty(), id);
      }
      assertTrue(r.byId(null).isEmpty());
      assertEquals("gpt-4.1-mini", r.byId("gpt").orElseThrow().model());
    } finally {
      r.close();
    }
  }

  @Test
  void aMissingOrDisabledDefaultFallsBackToTheFirstEnabled(Vertx vertx) {
    JsonObject conf = config().put("provider_settings", new JsonObject().put("default_provider_id", "disabled"));
    ProviderRegistry r = ProviderRegistry.fromConfig(vertx, conf);
    try {
      assertEquals("gpt", r.defaultProvider().orElseThrow().id());
    } finally {
      r.close();
    }
    ProviderRegistry none = ProviderRegistry.fromConfig(vertx, config().put("provider_settings", new JsonObject()));
    try {
      assertEquals("gpt", none.defaultProvider().orElseThrow().id());
    } finally {
      none.close();
    }
  }

  @Test
  void anEmptyConfigHasNoProviders(Vertx vertx) {
    ProviderRegistry r = ProviderRegistry.fromConfig(vertx, new JsonObject());
    try {
      assertTrue(r.defaultProvider().isEmpty());
      assertTrue(r.all().isEmpty());
    } finally {
      r.close();
    }
  }

  @Test
  void settingsInheritFromTheSourceAndTheEntryWins() {
    JsonObject merged = source("openai", "openai_chat_completion", true)
        .put("custom_headers", new JsonObject().put("X-A", "1").put("X-N", 2))
        .mergeIn(provider("gpt", "openai", "gpt-x", true));
    ProviderSettings s = ProviderSettings.from(merged);
    assertEquals("gpt", s.id());
    assertEquals("gpt-x", s.model());
    assertEquals("http://127.0.0.1:9/v1", s.apiBase());
    assertEquals(List.of("k1"), s.keys());
    assertEquals(30_000, s.timeoutMs());
    assertEquals(Map.of("X-A", "1", "X-N", "2"), s.customHeaders());
    assertEquals(4096, s.maxTokens());
  }

  @Test
  void credentialsInApiBaseStayOutOfTheLog() {
    assertEquals("https://***@proxy.example/v1", ProviderRegistry.withoutUserInfo("https://u:secret@proxy.example/v1"));
    assertEquals("http://127.0.0.1:1/v1", ProviderRegistry.withoutUserInfo("http://127.0.0.1:1/v1"));
  }

  @Test
  void keysMayBeAListAStringOrBlank() {
    assertEquals(List.of("a", "b"), ProviderSettings.keys(new JsonArray().add(" a ").add("").add("b").add(3)));
    assertEquals(List.of("solo"), ProviderSettings.keys("solo"));
    assertEquals(List.of(), ProviderSettings.keys(new JsonArray().add("").add("  ")));
    assertEquals(List.of(), ProviderSettings.keys(null));
  }

  @Test
  void defaultsApplyWhenKeysAreMissing() {
    ProviderSettings s = ProviderSettings.from(new JsonObject().put("id", "c").put("type", "anthropic_chat_completion"));
    assertEquals("https://api.anthropic.com/v1", s.apiBase());
    assertEquals(120_000, s.timeoutMs());
    assertEquals(List.of(), s.keys());
    ProviderSettings o = ProviderSettings.from(new JsonObject().put("id", "o").put("type", "openai_chat_completion")
        .put("timeout", "7").put("api_base", ""));
    assertEquals("https://api.openai.com/v1", o.apiBase());
    assertEquals(7_000, o.timeoutMs());
    assertThrows(IllegalArgumentException.class,
        () -> ProviderSettings.from(new JsonObject().put("id", "x").put("type", "dify")));
  }
}
