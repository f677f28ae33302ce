package dev.astrgate.fakes;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A fake OpenAI Chat Completions server (POST /v1/chat/completions, Bearer auth) speaking the real wire format:
 * chat.completion.chunk SSE events with delta.content / delta.reasoning_content, a usage chunk when
 * stream_options.include_usage is set, then data: [DONE].
 */
public final class FakeOpenAi extends FakeLlm {
  private FakeOpenAi(Vertx vertx) {
    super(vertx);
  }

  public static Future<FakeOpenAi> start(Vertx vertx) {
    FakeOpenAi fake = new FakeOpenAi(vertx);
    return fake.listen().map(v -> fake);
  }

  @Override
  protected String path() {
    return "/v1/chat/completions";
  }

  @Override
  protected String keyOf(HttpServerRequest req) {
    String auth = req.getHeader("authorization");
    return auth != null && auth.startsWith("Bearer ") ? auth.substring("Bearer ".length()) : null;
  }

  @Override
  protected String errorBody(int status, String message) {
    String type = switch (status) {
      case 401, 400, 404 -> "invalid_request_error";
      case 429 -> "requests";
      default -> "server_error";
    };
    Object code = switch (status) {
      case 401 -> "invalid_api_key";
      case 429 -> "rate_limit_exceeded";
      default -> null;
    };
    return new JsonObject().put("error", new JsonObject().put("message", message).put("type", type)
        .put("param", null).put("code", code)).encode();
  }

  @Override
  protected String malformedFrame() {
    return "data: {\"id\":\"chatcmpl-fake\",\"choices\":[{\"delta\":{\"content\":\"oops\"\n\n";
  }

  @Override
  protected List<Step> streamPlan(FakeReply reply, JsonObject request) {
    String model = request.getString("model", "");
    List<Step> plan = new ArrayList<>();
    plan.add(Step.write(frame(chunk(model, new JsonObject().put("role", "assistant").put("content", ""), null))));
    for (String r : reply.reasoning) {
      plan.add(Step.token(frame(chunk(model, new JsonObject().put("reasoning_content", r), null))));
    }
    String error = frame(new JsonObject().put("error", new JsonObject().put("message", reply.errorMessage)
        .put("type", "server_error").put("code", "stream_error")));
    if (!addTextTokens(plan, reply, t -> frame(chunk(model, new JsonObject().put("content", t), null)), error)) {
      return plan;
    }
    plan.add(Step.write(frame(chunk(model, new JsonObject(),
        reply.finishReason != null ? reply.finishReason : "stop"))));
    JsonObject options = request.getJsonObject("stream_options");
    if (options != null && Boolean.TRUE.equals(options.getValue("include_usage"))) {
      plan.add(Step.write(frame(base(model).put("choices", new JsonArray()).put("usage", usage(reply)))));
    }
    if (!reply.omitEndMarker) {
      plan.add(Step.write("data: [DONE]\n\n"));
    }
    return plan;
  }

  @Override
  protected String wholeAnswer(FakeReply reply, JsonObject request) {
    JsonObject message = new JsonObject().put("role", "assistant").put("content", reply.text());
    if (!reply.reasoning.isEmpty()) {
      message.put("reasoning_content", reply.reasoningText());
    }
    return new JsonObject()
        .put("id", "chatcmpl-fake")
        .put("object", "chat.completion")
        .put("created", System.currentTimeMillis() / 1000)
        .put("model", request.getString("model", ""))
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("message", message)
            .put("finish_reason", reply.finishReason != null ? reply.finishReason : "stop")))
        .put("usage", usage(reply))
        .encode();
  }

  private static JsonObject usage(FakeReply reply) {
    return new JsonObject()
        .put("prompt_tokens", reply.promptTokens)
        .put("completion_tokens", reply.completion())
        .put("total_tokens", reply.promptTokens + reply.completion())
        .put("prompt_tokens_details", new JsonObject().put("cached_tokens", reply.cachedTokens));
  }

  private static JsonObject base(String model) {
    return new JsonObject()
        .put("id", "chatcmpl-fake")
        .put("object", "chat.completion.chunk")
        .put("created", System.currentTimeMillis() / 1000)
        .put("model", model);
  }

  private static JsonObject chunk(String model, JsonObject delta, String finish) {
    return base(model).put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta)
        .put("finish_reason", finish)));
  }

  private static String frame(JsonObject json) {
    return "data: " + json.encode() + "\n\n";
  }
}
