package dev.astrgate.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;

/** The Open API contract: served as-is, and loaded into the router from a patched in-memory copy. */
public final class Contract {
  private static final String RESOURCE = "/openapi.json";

  private Contract() {
  }

  /** The contract bytes exactly as shipped. */
  public static Buffer raw() {
    try (InputStream in = Contract.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("openapi.json missing from the classpath");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A copy Vert.x accepts: every operation gets an operationId (the contract has none), and the
   * text/event-stream response of POST /api/v1/chat is dropped because Vert.x rejects it.
   */
  public static JsonObject patched() {
    JsonObject doc = new JsonObject(raw());
    JsonObject paths = doc.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String method : item.fieldNames()) {
        JsonObject op = item.getJsonObject(method);
        op.put("operationId", operationId(method, path));
        JsonObject responses = op.getJsonObject("responses", new JsonObject());
        for (String status : responses.fieldNames()) {
          JsonObject content = responses.getJsonObject(status).getJsonObject("content");
          if (content != null) {
            content.remove("text/event-stream");
            if (content.isEmpty()) {
              responses.getJsonObject(status).remove("content");
            }
          }
        }
      }
    }
    return doc;
  }

  /** {@code post /api/v1/chat/sessions} becomes {@code post_chat_sessions}. */
  public static String operationId(String method, String path) {
    return method.toLowerCase(Locale.ROOT) + "_" + path.replaceFirst("^/api/v1/", "").replace('/', '_');
  }
}
