package dev.astrgate.fakes;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A fake Anthropic Messages server (POST /v1/messages, x-api-key auth) speaking the real wire format:
 * event:/data: pairs message_start, content_block_start/delta/stop (thinking then text), ping, message_delta,
 * message_stop; errors as {"type":"error","error":{...}}.
 */
public final class FakeAnthropic extends FakeLlm {
  private FakeAnthropic(Vertx vertx) {
    super(vertx);
  }

  public static Future<FakeAnthropic> start(Vertx vertx) {
    FakeAnthropic fake = new FakeAnthropic(vertx);
    return fake.listen().map(v -> fake);
  }

  @Override
  protected String path() {
    return "/v1/messages";
  }

  @Override
  protected String keyOf(HttpServerRequest req) {
    return req.getHeader("x-api-key");
  }

  @Override
  protected String errorBody(int status, String message) {
    return error(errorType(status), message).encode();
  }

  @Override
  protected String malformedFrame() {
    return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\n\n";
  }

  @Override
  protected List<Step> streamPlan(FakeReply reply, JsonObject request) {
    List<Step> plan = new ArrayList<>();
    plan.add(Step.write(event("message_start", new JsonObject().put("type", "message_start")
        .put("message", message(request).put("content", new JsonArray()).put("stop_reason", null)
            .put("usage", inputUsage(reply).put("output_tokens", 1))))));
    int index = 0;
    if (!reply.reasoning.isEmpty()) {
      plan.add(Step.write(blockStart(index, new JsonObject().put("type", "thinking").put("thinking", ""))));
      for (String r : reply.reasoning) {
        plan.add(Step.token(delta(index, new JsonObject().put("type", "thinking_delta").put("thinking", r))));
      }
      plan.add(Step.write(delta(index, new JsonObject().put("type", "signature_delta").put("signature", "c2ln"))));
      plan.add(Step.write(blockStop(index)));
      index++;
    }
    int text = index;
    plan.add(Step.write(blockStart(text, new JsonObject().put("type", "text").put("text", ""))));
    plan.add(Step.write(event("ping", new JsonObject().put("type", "ping"))));
    String error = event("error", error("overloaded_error", reply.errorMessage));
    if (!addTextTokens(plan, reply,
        t -> delta(text, new JsonObject().put("type", "text_delta").put("text", t)), error)) {
      return plan;
    }
    plan.add(Step.write(blockStop(text)));
    plan.add(Step.write(event("message_delta", new JsonObject().put("type", "message_delta")
        .put("delta", new JsonObject().put("stop_reason", stopReason(reply)).put("stop_sequence", null))
        .put("usage", new JsonObject().put("output_tokens", reply.completion())))));
    if (!reply.omitEndMarker) {
      plan.add(Step.write(event("message_stop", new JsonObject().put("type", "message_stop"))));
    }
    return plan;
  }

  @Override
  protected String wholeAnswer(FakeReply reply, JsonObject request) {
    JsonArray content = new JsonArray();
    if (!reply.reasoning.isEmpty()) {
      content.add(new JsonObject().put("type", "thinking").put("thinking", reply.reasoningText())
          .put("signature", "c2ln"));
    }
    content.add(new JsonObject().put("type", "text").put("text", reply.text()));
    return message(request)
        .put("content", content)
        .put("stop_reason", stopReason(reply))
        .put("stop_sequence", null)
        .put("usage", inputUsage(reply).put("output_tokens", reply.completion()))
        .encode();
  }

  private static String stopReason(FakeReply reply) {
    return reply.finishReason != null ? reply.finishReason : "end_turn";
  }

  private static JsonObject message(JsonObject request) {
    return new JsonObject()
        .put("id", "msg_fake")
        .put("type", "message")
        .put("role", "assistant")
        .put("model", request.getString("model", ""));
  }

  private static JsonObject inputUsage(FakeReply reply) {
    return new JsonObject()
        .put("input_tokens", reply.promptTokens - reply.cachedTokens)
        .put("cache_creation_input_tokens", 0)
        .put("cache_read_input_tokens", reply.cachedTokens);
  }

  private static JsonObject error(String type, String message) {
    return new JsonObject().put("type", "error")
        .put("error", new JsonObject().put("type", type).put("message", message));
  }

  private static String errorType(int status) {
    return switch (status) {
      case 400 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 429 -> "rate_limit_error";
      case 529 -> "overloaded_error";
      default -> "api_error";
    };
  }

  private static String blockStart(int index, JsonObject block) {
    return event("content_block_start", new JsonObject().put("type", "content_block_start").put("index", index)
        .put("content_block", block));
  }

  private static String delta(int index, JsonObject delta) {
    return event("content_block_delta", new JsonObject().put("type", "content_block_delta").put("index", index)
        .put("delta", delta));
  }

  private static String blockStop(int index) {
    return event("content_block_stop", new JsonObject().put("type", "content_block_stop").put("index", index));
  }

  private static String event(String name, JsonObject data) {
    return "event: " + name + "\ndata: " + data.encode() + "\n\n";
  }
}
