package dev.astrgate.support;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/** A raw SSE client for tests: keeps the exact bytes, splits frames, and can hang up mid-stream. */
public final class SseClient {
  private final HttpClient http;
  private final int port;

  public SseClient(Vertx vertx, int port) {
    this.http = vertx.createHttpClient();
    this.port = port;
  }

  /** The whole response: status, raw text, and the JSON of every {@code data:} frame. */
  public record Result(int status, String contentType, String raw, List<JsonObject> events) {
    public List<String> types() {
      return events.stream().map(e -> e.getString("type")).toList();
    }

    public JsonObject first(String type) {
      return events.stream().filter(e -> type.equals(e.getString("type"))).findFirst().orElse(null);
    }
  }

  public Future<Result> post(String key, JsonObject body) {
    return post(key, body, null);
  }

  /** {@code onEvent} sees each event as it arrives, with the request so a test can hang up. */
  public Future<Result> post(String key, JsonObject body, BiConsumer<JsonObject, HttpClientRequest> onEvent) {
    Promise<Result> done = Promise.promise();
    http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port).setURI("/api/v1/chat")
            .putHeader("X-API-Key", key).putHeader("Content-Type", "application/json"))
        .compose(req -> req.send(body.toBuffer()).map(resp -> {
          StringBuilder raw = new StringBuilder();
          List<JsonObject> events = new ArrayList<>();
          StringBuilder pending = new StringBuilder();
          resp.handler((Buffer b) -> {
            String s = b.toString();
            raw.append(s);
            pending.append(s);
            int idx;
            while ((idx = pending.indexOf("\n\n")) >= 0) {
              String frame = pending.substring(0, idx);
              pending.delete(0, idx + 2);
              if (frame.startsWith("data: ")) {
                JsonObject ev = new JsonObject(frame.substring(6));
                events.add(ev);
                if (onEvent != null) {
                  onEvent.accept(ev, req);
                }
              }
            }
          });
          resp.endHandler(v -> done.tryComplete(new Result(resp.statusCode(), resp.getHeader("Content-Type"), raw.toString(), events)));
          resp.exceptionHandler(err -> done.tryComplete(new Result(resp.statusCode(), resp.getHeader("Content-Type"),
              raw.toString(), events)));
          return resp;
        }))
        .onFailure(done::tryFail);
    return done.future();
  }
}
