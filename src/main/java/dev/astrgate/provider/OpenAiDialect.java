package dev.astrgate.provider;

import static dev.astrgate.provider.JsonRead.arr;
import static dev.astrgate.provider.JsonRead.first;
import static dev.astrgate.provider.JsonRead.num;
import static dev.astrgate.provider.JsonRead.obj;
import static dev.astrgate.provider.JsonRead.str;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

/** OpenAI Chat Completions, as spoken by OpenAI, DeepSeek, Ollama, vLLM, llama.cpp and LM Studio. */
final class OpenAiDialect implements Dialect {
  static final String TYPE = "openai_chat_completion";
  static final String DEFAULT_API_BASE = "https://api.openai.com/v1";

  @Override
  public String path() {
    return "/chat/completions";
  }

  @Override
  public void authorize(MultiMap headers, String key) {
    if (key != null) {
      headers.set("Authorization", "Bearer " + key);
    }
  }

  @Override
  public JsonObject body(String model, ProviderRequest request, ProviderSettings settings) {
    JsonObject body = new JsonObject()
        .put("model", model)
        .put("messages", request.messages())
        .put("stream", request.stream());
    if (request.stream()) {
      // Without this the stream carries no token counts at all.
      body.put("stream_options", new JsonObject().put("include_usage", true));
    }
    return body;
  }

  @Override
  public StreamParser streamParser(Answer answer) {
    return (name, data) -> {
      if (data.strip().equals("[DONE]")) {
        return true;
      }
      JsonObject chunk = JsonRead.parseObject(data, "stream chunk");
      if (chunk.getValue("error") != null) {
        throw ProviderException.streamError("upstream reported an error mid-stream: "
            + UpstreamErrors.describeJson(chunk));
      }
      JsonObject choice = first(arr(chunk, "choices"));
      if (choice != null) {
        JsonObject delta = obj(choice, "delta");
        answer.reasoning(reasoningOf(delta));
        answer.text(str(delta, "content"));
        answer.finish(str(choice, "finish_reason"));
      }
      JsonObject usage = obj(chunk, "usage");
      if (usage != null) {
        usage(usage, answer);
      }
      return false;
    };
  }

  @Override
  public void parseBody(JsonObject body, Answer answer) {
    if (body.getValue("error") != null) {
      throw ProviderException.streamError("upstream reported an error: " + UpstreamErrors.describeJson(body));
    }
    JsonObject choice = first(arr(body, "choices"));
    if (choice == null) {
      throw ProviderException.malformed("response has no choices: " + JsonRead.abbreviate(body.encode(), 200));
    }
    JsonObject message = obj(choice, "message");
    answer.reasoning(reasoningOf(message));
    answer.text(str(message, "content"));
    answer.finish(str(choice, "finish_reason"));
    JsonObject usage = obj(body, "usage");
    if (usage != null) {
      usage(usage, answer);
    }
  }

  @Override
  public String endMarker() {
    return "[DONE]";
  }

  /** DeepSeek and vLLM say reasoning_content, OpenRouter and newer vLLM say reasoning. */
  private static String reasoningOf(JsonObject delta) {
    String r = str(delta, "reasoning_content");
    return r != null ? r : str(delta, "reasoning");
  }

  private static void usage(JsonObject usage, Answer answer) {
    long prompt = num(usage, "prompt_tokens");
    JsonObject details = obj(usage, "prompt_tokens_details");
    // DeepSeek reports its cache hits in its own field.
    long cached = details != null ? num(details, "cached_tokens") : num(usage, "prompt_cache_hit_tokens");
    answer.usage(prompt - cached, cached, num(usage, "completion_tokens"));
  }
}
