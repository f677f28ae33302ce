package dev.astrgate.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.astrgate.fakes.FakeLlm;
import dev.astrgate.fakes.FakeOpenAi;
import dev.astrgate.fakes.RecordedRequest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** openai_chat_completion against {@link FakeOpenAi}. */
class OpenAiProviderTest extends ChatProviderContract {
  private static FakeOpenAi fake;

  @BeforeAll
  static void startFake(Vertx vertx, VertxTestContext tc) {
    FakeOpenAi.start(vertx).onComplete(tc.succeeding(f -> {
      fake = f;
      tc.completeNow();
    }));
  }

  @AfterAll
  static void stopFake(VertxTestContext tc) {
    fake.close().onComplete(tc.succeedingThenComplete());
  }

  @Override
  protected FakeLlm fake() {
    return fake;
  }

  @Override
  protected String type() {
    return "openai_chat_completion";
  }

  @Override
  protected String keyOf(RecordedRequest req) {
    String auth = req.header("Authorization");
    return auth == null ? null : auth.substring("Bearer ".length());
  }

  @Test
  void theRequestHasTheOpenAiShape(Vertx vertx, VertxTestContext tc) {
    JsonArray messages = new JsonArray()
        .add(new JsonObject().put("role", "system").put("content", "Be brief."))
        .add(new JsonObject().put("role", "user").put("content", new JsonArray()
            .add(new JsonObject().put("type", "text").put("text", "What is this?"))
            .add(new JsonObject().put("type", "image_url")
                .put("image_url", new JsonObject().put("url", "data:image/png;base64,iVBORw0KGgo=")))));
    provider(vertx).call(new ProviderRequest(null, messages, true), new Collector()).result()
        .onComplete(tc.succeeding(r -> tc.verify(() -> {
          RecordedRequest req = fake.lastRequest();
          assertEquals("POST", req.method());
          assertEquals("/v1/chat/completions", req.path());
          assertEquals("Bearer k-good", req.header("Authorization"));
          assertEquals("trace-1", req.header("X-Trace"));
          assertEquals("fake-model", req.body().getString("model"));
          assertEquals(messages, req.body().getJsonArray("messages"));
          assertEquals(true, req.body().getBoolean("stream"));
          assertEquals(true, req.body().getJsonObject("stream_options").getBoolean("include_usage"));
          tc.completeNow();
        })));
  }

  @Test
  void blankKeysSendNoAuthorization(Vertx vertx, VertxTestContext tc) {
    provider(vertx, new JsonObject().put("key", new JsonArray().add("").add("  ")))
        .call(streaming(), new Collector()).result()
        .onComplete(tc.succeeding(r -> tc.verify(() -> {
          assertNoHeader(fake.lastRequest(), "Authorization");
          assertEquals("Hello, world!", r.text());
          tc.completeNow();
        })));
  }

  @Test
  void aTrailingSlashOnApiBaseIsStripped(Vertx vertx, VertxTestContext tc) {
    provider(vertx, new JsonObject().put("api_base", fake.baseUrl() + "/")).call(streaming(), new Collector())
        .result().onComplete(tc.succeeding(r -> tc.verify(() -> {
          assertEquals("/v1/chat/completions", fake.lastRequest().path());
          assertTrue(r.text().startsWith("Hello"));
          tc.completeNow();
        })));
  }
}
