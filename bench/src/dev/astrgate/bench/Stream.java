package dev.astrgate.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * One streamed chat request, to the gateway ({@code POST /api/v1/chat}, AstrBot SSE events) or straight to the fake
 * upstream ({@code POST /v1/chat/completions}, OpenAI chunks), parsed just enough to time its tokens: frames are
 * told apart by prefix, never decoded as JSON (the load generator shares the two cores with what it measures).
 */
final class Stream {
  /** Where a stream goes and how its frames read. */
  record Target(boolean gateway, int port, String key) {
    String uri() {
      return gateway ? "/api/v1/chat" : "/v1/chat/completions";
    }

    Buffer body(String sessionId) {
      if (gateway) {
        return Buffer.buffer("{\"username\":\"bench\",\"session_id\":\"" + sessionId
            + "\",\"message\":\"hi\",\"enable_streaming\":true}");
      }
      return Buffer.buffer("{\"model\":\"gpt-bench\",\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful"
          + " assistant.\"},{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
    }
  }

  private static final String PLAIN = "data: {\"type\": \"plain\"";
  private static final String SESSION = "data: {\"type\": \"session_id\"";
  private static final String SAVED = "data: {\"type\": \"message_saved\"";
  private static final String END = "data: {\"type\": \"end\"";
  private static final String CONTENT = "\"delta\":{\"content\":\"";
  private static final String DONE = "data: [DONE]";

  final long t0 = System.nanoTime();
  final String sessionId;
  private final Target target;
  int status;
  int tokens;
  long ttft = -1;
  long last;
  long[] gaps = new long[64];
  int gapCount;
  boolean gotSessionId;
  long toSessionId = -1;
  boolean saved;
  boolean savedBeforeEnd;
  long savedId = -1;
  boolean ended;
  String error;
  long endNanos;
  private final StringBuilder pending = new StringBuilder();
  private boolean finished;

  private Stream(Target target, String sessionId) {
    this.target = target;
    this.sessionId = sessionId;
  }

  /**
   * Sends the request (the clock starts here) and calls {@code done} once, when the response ended or failed;
   * {@code onSessionId}, if given, when the gateway's {@code session_id} event arrived.
   */
  static Stream start(HttpClient client, Target target, String sessionId, Consumer<Stream> onSessionId,
                      Consumer<Stream> done) {
    Stream s = new Stream(target, sessionId);
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(target.port())
        .setURI(target.uri()).putHeader("Content-Type", "application/json").putHeader("Accept", "text/event-stream");
    if (target.gateway()) {
      options.putHeader("X-API-Key", target.key());
    } else {
      options.putHeader("Authorization", "Bearer sk-bench");
    }
    client.request(options)
        .compose(req -> req.send(target.body(sessionId)))
        .onComplete(ar -> {
          if (ar.failed()) {
            s.fail(ar.cause().toString(), done);
            return;
          }
          HttpClientResponse resp = ar.result();
          s.status = resp.statusCode();
          if (s.status != 200) {
            resp.body().onComplete(b -> s.fail("HTTP " + s.status + " " + (b.succeeded() ? b.result() : ""), done));
            return;
          }
          resp.handler(buf -> s.feed(buf, onSessionId));
          resp.exceptionHandler(err -> s.fail(err.toString(), done));
          resp.endHandler(v -> s.finish(done));
        });
    return s;
  }

  private void fail(String reason, Consumer<Stream> done) {
    if (error == null) {
      error = reason;
    }
    finish(done);
  }

  private void finish(Consumer<Stream> done) {
    if (!finished) {
      finished = true;
      endNanos = System.nanoTime();
      done.accept(this);
    }
  }

  private void feed(Buffer buf, Consumer<Stream> onSessionId) {
    long now = System.nanoTime();
    pending.append(buf.toString(StandardCharsets.UTF_8));
    int start = 0;
    int idx;
    while ((idx = pending.indexOf("\n\n", start)) >= 0) {
      frame(pending.substring(start, idx), now, onSessionId);
      start = idx + 2;
    }
    pending.delete(0, start);
  }

  private void frame(String f, long now, Consumer<Stream> onSessionId) {
    if (target.gateway()) {
      if (f.startsWith(PLAIN)) {
        token(now);
      } else if (f.startsWith(SESSION)) {
        gotSessionId = true;
        toSessionId = now - t0;
        if (onSessionId != null) {
          onSessionId.accept(this);
        }
      } else if (f.startsWith(SAVED)) {
        saved = true;
        savedId = new JsonObject(f.substring(6)).getJsonObject("data").getLong("id");
      } else if (f.startsWith(END)) {
        ended = true;
        savedBeforeEnd = saved;
      }
    } else {
      int c = f.indexOf(CONTENT);
      if (c >= 0 && f.charAt(c + CONTENT.length()) != '"') {
        token(now);
      } else if (f.equals(DONE)) {
        ended = true;
      }
    }
  }

  private void token(long now) {
    if (tokens == 0) {
      ttft = now - t0;
    } else {
      if (gapCount == gaps.length) {
        gaps = java.util.Arrays.copyOf(gaps, gapCount * 2);
      }
      gaps[gapCount++] = now - last;
    }
    last = now;
    tokens++;
  }

  /** Turn latency: request sent to the response's end. */
  long totalNanos() {
    return endNanos - t0;
  }
}
