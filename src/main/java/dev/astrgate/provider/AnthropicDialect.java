package dev.astrgate.provider;

import static dev.astrgate.provider.JsonRead.arr;
import static dev.astrgate.provider.JsonRead.num;
import static dev.astrgate.provider.JsonRead.obj;
import static dev.astrgate.provider.JsonRead.str;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Anthropic Messages API; converts the OpenAI-format message list on the way out. */
final class AnthropicDialect implements Dialect {
  private static final Logger LOG = LoggerFactory.getLogger(AnthropicDialect.class);
  static final String TYPE = "anthropic_chat_completion";
  static final String DEFAULT_API_BASE = "https://api.anthropic.com/v1";
  static final String VERSION = "2023-06-01";

  @Override
  public String path() {
    return "/messages";
  }

  @Override
  public void authorize(MultiMap headers, String key) {
    if (key != null) {
      headers.set("x-api-key", key);
    }
    headers.set("anthropic-version", VERSION);
  }

  @Override
  public JsonObject body(String model, ProviderRequest request, ProviderSettings settings) {
    List<String> system = new ArrayList<>();
    JsonArray messages = convert(request.messages(), system);
    JsonObject body = new JsonObject()
        .put("model", model)
        .put("max_tokens", settings.maxTokens())
        .put("messages", messages);
    if (!system.isEmpty()) {
      body.put("system", String.join("\n\n", system));
    }
    return body.put("stream", request.stream());
  }

  /** OpenAI-format messages to Anthropic ones; system messages are collected into {@code system}. */
  static JsonArray convert(JsonArray openAi, List<String> system) {
    JsonArray out = new JsonArray();
    if (openAi == null) {
      return out;
    }
    for (int i = 0; i < openAi.size(); i++) {
      if (!(openAi.getValue(i) instanceof JsonObject m)) {
        continue;
      }
      String role = str(m, "role");
      Object content = m.getValue("content");
      if ("system".equals(role)) {
        String text = plainText(content);
        if (!text.isEmpty()) {
          system.add(text);
        }
        continue;
      }
      Object converted = content instanceof JsonArray parts ? convertParts(parts) : content;
      if (converted == null || converted instanceof JsonArray a && a.isEmpty()) {
        // An assistant turn that only carried tool calls has nothing Anthropic can take.
        continue;
      }
      out.add(new JsonObject()
          .put("role", "assistant".equals(role) ? "assistant" : "user")
          .put("content", converted));
    }
    return out;
  }

  private static JsonArray convertParts(JsonArray parts) {
    JsonArray out = new JsonArray();
    for (int i = 0; i < parts.size(); i++) {
      if (!(parts.getValue(i) instanceof JsonObject p)) {
        continue;
      }
      String type = str(p, "type");
      if ("text".equals(type)) {
        out.add(new JsonObject().put("type", "text").put("text", String.valueOf(p.getValue("text", ""))));
      } else if ("image_url".equals(type)) {
        Object iu = p.getValue("image_url");
        String url = iu instanceof JsonObject o ? str(o, "url") : iu instanceof String s ? s : null;
        JsonObject image = image(url);
        if (image != null) {
          out.add(image);
        }
      } else {
        LOG.debug("anthropic part dropped type={}", type);
      }
    }
    return out;
  }

  /** data:image/png;base64,XXX becomes a base64 source; any other URL a url source. */
  static JsonObject image(String url) {
    if (url == null || url.isBlank()) {
      return null;
    }
    JsonObject source;
    int comma = url.indexOf(',');
    if (url.startsWith("data:") && comma > 0 && url.substring(0, comma).endsWith(";base64")) {
      String mediaType = url.substring("data:".length(), url.indexOf(';'));
      source = new JsonObject()
          .put("type", "base64")
          .put("media_type", mediaType.isEmpty() ? "image/png" : mediaType)
          .put("data", url.substring(comma + 1));
    } else {
      source = new JsonObject().put("type", "url").put("url", url);
    }
    return new JsonObject().put("type", "image").put("source", source);
  }

  private static String plainText(Object content) {
    if (content instanceof String s) {
      return s;
    }
    if (content instanceof JsonArray parts) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < parts.size(); i++) {
        if (parts.getValue(i) instanceof JsonObject p && "text".equals(str(p, "type")) && str(p, "text") != null) {
          sb.append(sb.isEmpty() ? "" : "\n").append(str(p, "text"));
        }
      }
      return sb.toString();
    }
    return "";
  }

  @Override
  public StreamParser streamParser(Answer answer) {
    return (name, data) -> {
      JsonObject event = JsonRead.parseObject(data, "stream event");
      String type = str(event, "type");
      if (type == null) {
        type = name;
      }
      switch (type) {
        case "message_start" -> inputUsage(obj(obj(event, "message"), "usage"), answer);
        case "content_block_start" -> {
          JsonObject block = obj(event, "content_block");
          if ("text".equals(str(block, "type"))) {
            answer.text(str(block, "text"));
          } else if ("thinking".equals(str(block, "type"))) {
            answer.reasoning(str(block, "thinking"));
          }
        }
        case "content_block_delta" -> {
          JsonObject delta = obj(event, "delta");
          String kind = str(delta, "type");
          if ("text_delta".equals(kind)) {
            answer.text(str(delta, "text"));
          } else if ("thinking_delta".equals(kind)) {
            answer.reasoning(str(delta, "thinking"));
          }
        }
        case "message_delta" -> {
          answer.finish(str(obj(event, "delta"), "stop_reason"));
          JsonObject usage = obj(event, "usage");
          if (usage != null && usage.getValue("output_tokens") instanceof Number) {
            answer.outputUsage(num(usage, "output_tokens"));
          }
          if (usage != null && usage.getValue("input_tokens") instanceof Number) {
            inputUsage(usage, answer);
          }
        }
        case "message_stop" -> {
          return true;
        }
        case "error" -> throw ProviderException.streamError("upstream reported an error mid-stream: "
            + UpstreamErrors.describeJson(event));
        default -> {
          // ping, content_block_stop and event types newer than this code.
        }
      }
      return false;
    };
  }

  @Override
  public void parseBody(JsonObject body, Answer answer) {
    if ("error".equals(str(body, "type"))) {
      throw ProviderException.streamError("upstream reported an error: " + UpstreamErrors.describeJson(body));
    }
    JsonArray content = arr(body, "content");
    if (content == null) {
      throw ProviderException.malformed("response has no content: " + JsonRead.abbreviate(body.encode(), 200));
    }
    for (int i = 0; i < content.size(); i++) {
      if (content.getValue(i) instanceof JsonObject block) {
        String type = str(block, "type");
        if ("text".equals(type)) {
          answer.text(str(block, "text"));
        } else if ("thinking".equals(type)) {
          answer.reasoning(str(block, "thinking"));
        }
      }
    }
    answer.finish(str(body, "stop_reason"));
    JsonObject usage = obj(body, "usage");
    inputUsage(usage, answer);
    answer.outputUsage(num(usage, "output_tokens"));
  }

  @Override
  public String endMarker() {
    return "message_stop";
  }

  /** Cache writes are billed as input, cache reads are the cached part. */
  private static void inputUsage(JsonObject usage, Answer answer) {
    if (usage != null) {
      answer.inputUsage(num(usage, "input_tokens") + num(usage, "cache_creation_input_tokens"),
          num(usage, "cache_read_input_tokens"));
    }
  }
}
