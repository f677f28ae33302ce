package dev.astrgate.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.astrgate.fakes.FakeAnthropic;
import dev.astrgate.fakes.FakeLlm;
import dev.astrgate.fakes.RecordedRequest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** anthropic_chat_completion against {@link FakeAnthropic}. */
class AnthropicProviderTest extends ChatProviderContract {
  private static FakeAnthropic fake;

  @BeforeAll
  static void startFake(Vertx vertx, VertxTestContext tc) {
    FakeAnthropic.start(vertx).onComplete(tc.succeeding(f -> {
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
    return "anthropic_chat_completion";
  }

  @Override
  protected String keyOf(RecordedRequest req) {
    return req.header("x-api-key");
  }

  @Test
  void systemAndImagePartsAreConvertedToTheMessagesShape(Vertx vertx, VertxTestContext tc) {
    JsonArray messages = new JsonArray()
        .add(new JsonObject().put("role", "system").put("content", "Be brief."))
        .add(new JsonObject().put("role", "user").put("content", new JsonArray()
            .add(new JsonObject().put("type", "text").put("text", "What is this?"))
            .add(new JsonObject().put("type", "image_url")
                .put("image_url", new JsonObject().put("url", "data:image/jpeg;base64,/9j/4AAQSkZJRg==")))))
        .add(new JsonObject().put("role", "assistant").put("content", "A cat."))
        .add(new JsonObject().put("role", "user").put("content", "Sure?"));
    provider(vertx).call(new ProviderRequest(null, messages, true), new Collector()).result()
        .onComplete(tc.succeeding(r -> tc.verify(() -> {
          RecordedRequest req = fake.lastRequest();
          assertEquals("/v1/messages", req.path());
          assertEquals("k-good", req.header("x-api-key"));
          assertEquals("2023-06-01", req.header("anthropic-version"));
          assertEquals("trace-1", req.header("X-Trace"));
          assertNoHeader(req, "Authorization");
          JsonObject body = req.body();
          assertEquals("fake-model", body.getString("model"));
          assertEquals(4096, body.getInteger("max_tokens"));
          assertEquals(true, body.getBoolean("stream"));
          assertEquals("Be brief.", body.getString("system"));
          JsonArray sent = body.getJsonArray("messages");
          assertEquals(3, sent.size());
          JsonObject first = sent.getJsonObject(0);
          assertEquals("user", first.getString("role"));
          assertEquals(new JsonArray()
              .add(new JsonObject().put("type", "text").put("text", "What is this?"))
              .add(new JsonObject().put("type", "image").put("source", new JsonObject()
                  .put("type", "base64").put("media_type", "image/jpeg").put("data", "/9j/4AAQSkZJRg=="))),
              first.getJsonArray("content"));
          assertEquals(new JsonObject().put("role", "assistant").put("content", "A cat."), sent.getJsonObject(1));
          assertEquals("Sure?", sent.getJsonObject(2).getString("content"));
          tc.completeNow();
        })));
  }

  @Test
  void noSystemMessageMeansNoSystemField(Vertx vertx, VertxTestContext tc) {
    JsonArray messages = new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"));
    provider(vertx, new JsonObject().put("max_tokens", 512))
        .call(new ProviderRequest(null, messages, false), null).result()
        .onComplete(tc.succeeding(r -> tc.verify(() -> {
          JsonObject body = fake.lastRequest().body();
          assertFalse(body.containsKey("system"));
          assertEquals(512, body.getInteger("max_tokens"));
          assertEquals(false, body.getBoolean("stream"));
          tc.completeNow();
        })));
  }
}
