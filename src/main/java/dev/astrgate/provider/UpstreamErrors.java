package dev.astrgate.provider;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/** Turns an upstream error body into readable words: OpenAI, Anthropic, Ollama and proxy shapes. */
final class UpstreamErrors {
  private UpstreamErrors() {
  }

  /** "Error code: 401 - Incorrect API key provided (type: invalid_request_error, code: invalid_api_key)". */
  static String statusMessage(int status, String body) {
    return "Error code: " + status + " - " + describeBody(body);
  }

  static String describeBody(String body) {
    String raw = body == null ? "" : body.strip();
    if (raw.isEmpty()) {
      return "(empty response body)";
    }
    try {
      if (Json.decodeValue(raw) instanceof JsonObject o) {
        String words = describeJson(o);
        if (words != null) {
          return words;
        }
      }
    } catch (DecodeException e) {
      // Not JSON (an HTML page from a proxy, plain text): show its start below.
    }
    return JsonRead.abbreviate(raw, 300);
  }

  /** The message of {"error":{"message","type","code"}} / {"error":"..."} / {"message"} / {"detail"}; null if none. */
  static String describeJson(JsonObject o) {
    Object err = o.getValue("error");
    String message = null;
    String type = null;
    Object code = null;
    if (err instanceof JsonObject e) {
      message = JsonRead.str(e, "message");
      type = JsonRead.str(e, "type");
      code = e.getValue("code");
    } else if (err instanceof String s) {
      message = s;
    }
    if (message == null) {
      message = JsonRead.str(o, "message");
    }
    if (message == null && o.getValue("detail") != null) {
      message = String.valueOf(o.getValue("detail"));
    }
    if (message == null) {
      return err != null ? JsonRead.abbreviate(String.valueOf(err), 300) : null;
    }
    StringBuilder sb = new StringBuilder(JsonRead.abbreviate(message, 1000));
    if (type != null || code != null) {
      sb.append(" (");
      if (type != null) {
        sb.append("type: ").append(type);
      }
      if (code != null) {
        sb.append(type != null ? ", " : "").append("code: ").append(code);
      }
      sb.append(')');
    }
    return sb.toString();
  }
}
