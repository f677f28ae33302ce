package dev.astrgate.fakes;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Common machinery of the wire-level LLM fakes: a real HTTP server on 127.0.0.1 (port 0), scripted replies,
 * key checks, request recording and tracking of connections the client closed. Token pacing uses timers, so
 * thousands of concurrent slow streams cost no threads. Safe to drive from any thread.
 */
public abstract class FakeLlm {
  /** One step of a planned answer: write a frame (optionally after the token delay), hang, or cut. */
  protected record Step(String frame, boolean token, Action action) {
    static Step write(String frame) {
      return new Step(frame, false, Action.WRITE);
    }

    static Step token(String frame) {
      return new Step(frame, true, Action.WRITE);
    }

    static final Step HANG = new Step(null, false, Action.HANG);
    static final Step CUT = new Step(null, false, Action.CUT);
  }

  /** What a step does. */
  protected enum Action { WRITE, HANG, CUT }

  protected final Vertx vertx;
  private HttpServer server;
  private final Deque<FakeReply> queue = new ArrayDeque<>();
  private FakeReply script = new FakeReply();
  private final List<RecordedRequest> requests = new ArrayList<>();
  private final Map<Integer, Promise<RecordedRequest>> waiters = new HashMap<>();
  private final List<Long> closedByClient = new ArrayList<>();
  private final Set<String> rateLimited = new HashSet<>();
  private String requiredKey;
  private boolean recording = true;
  private final Map<HttpConnection, Promise<Long>> connections = new ConcurrentHashMap<>();
  private final Set<HttpConnection> closingByServer = ConcurrentHashMap.newKeySet();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong streamedBytes = new AtomicLong();

  protected FakeLlm(Vertx vertx) {
    this.vertx = vertx;
  }

  /** The request path this API serves, e.g. /v1/chat/completions. */
  protected abstract String path();

  /** The API key the request carries, or null. */
  protected abstract String keyOf(HttpServerRequest req);

  /** The API's JSON error body for {@code status}. */
  protected abstract String errorBody(int status, String message);

  /** The frames of a streamed answer, with the reply's fault in place. */
  protected abstract List<Step> streamPlan(FakeReply reply, JsonObject request);

  /** The JSON of a non-streamed answer. */
  protected abstract String wholeAnswer(FakeReply reply, JsonObject request);

  /** A chunk that is not valid JSON, in this API's framing. */
  protected abstract String malformedFrame();

  protected Future<Void> listen() {
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setTcpNoDelay(true)
        .setIdleTimeout(0));
    server.connectionHandler(conn -> {
      open.incrementAndGet();
      Promise<Long> closed = Promise.promise();
      connections.put(conn, closed);
      conn.closeHandler(v -> {
        open.decrementAndGet();
        connections.remove(conn);
        if (closingByServer.remove(conn)) {
          closed.tryFail("connection closed by the fake itself");
        } else {
          long now = System.currentTimeMillis();
          synchronized (this) {
            closedByClient.add(now);
          }
          closed.tryComplete(now);
        }
      });
    });
    server.requestHandler(this::handle);
    return server.listen().mapEmpty();
  }

  public int port() {
    return server.actualPort();
  }

  /** The api_base to configure: http://127.0.0.1:PORT/v1. */
  public String baseUrl() {
    return "http://127.0.0.1:" + port() + "/v1";
  }

  /** The reply for every request with no queued one. */
  public synchronized FakeLlm script(FakeReply reply) {
    script = reply.copy();
    return this;
  }

  /** Queues a one-shot reply; queued replies are used in order before the script. */
  public synchronized FakeLlm nextReply(FakeReply reply) {
    queue.add(reply.copy());
    return this;
  }

  /** Answers 401 to any other key (null: accept any). */
  public synchronized FakeLlm requireKey(String key) {
    requiredKey = key;
    return this;
  }

  /** Answers 429 to this key. */
  public synchronized FakeLlm rateLimitKey(String key) {
    rateLimited.add(key);
    return this;
  }

  /** Stop recording requests (for load tests). */
  public synchronized FakeLlm recording(boolean on) {
    recording = on;
    return this;
  }

  /** Back to the default script, no queue, no key rules, no records. Connections stay open. */
  public synchronized FakeLlm reset() {
    queue.clear();
    script = new FakeReply();
    requests.clear();
    waiters.clear();
    closedByClient.clear();
    rateLimited.clear();
    requiredKey = null;
    recording = true;
    return this;
  }

  public synchronized List<RecordedRequest> requests() {
    return List.copyOf(requests);
  }

  public synchronized RecordedRequest lastRequest() {
    return requests.isEmpty() ? null : requests.get(requests.size() - 1);
  }

  /** Completes when the request with this index (0-based since the last reset) has arrived. */
  public synchronized Future<RecordedRequest> awaitRequest(int index) {
    if (index < requests.size()) {
      return Future.succeededFuture(requests.get(index));
    }
    return waiters.computeIfAbsent(index, i -> Promise.promise()).future();
  }

  /** Wall-clock millis of every connection close initiated by the client since the last reset. */
  public synchronized List<Long> closedConnections() {
    return List.copyOf(closedByClient);
  }

  /**
   * SSE bytes handed to the socket so far (all streams, since start). Streams stop writing while the client
   * does not read, so this plateaus under client backpressure.
   */
  public long streamedBytes() {
    return streamedBytes.get();
  }

  public int openConnections() {
    return open.get();
  }

  public Future<Void> close() {
    return server.close();
  }

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(buf -> {
      JsonObject body;
      try {
        body = buf.length() == 0 ? new JsonObject() : new JsonObject(buf);
      } catch (DecodeException e) {
        req.response().setStatusCode(400).putHeader("content-type", "application/json")
            .end(errorBody(400, "request body is not JSON"));
        return;
      }
      HttpConnection conn = req.connection();
      Promise<Long> closed = connections.get(conn);
      Future<Long> closedFuture = closed != null ? closed.future() : Future.failedFuture("connection unknown");
      String key = keyOf(req);
      FakeReply reply;
      synchronized (this) {
        if (recording) {
          MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
          RecordedRequest rec = new RecordedRequest(req.method().name(), req.path(), headers, body,
              System.currentTimeMillis(), closedFuture);
          requests.add(rec);
          Promise<RecordedRequest> waiter = waiters.remove(requests.size() - 1);
          if (waiter != null) {
            waiter.complete(rec);
          }
        }
        if (!req.path().equals(path())) {
          reply = FakeReply.error(404, "unknown path " + req.path());
        } else if (requiredKey != null && !requiredKey.equals(key)) {
          reply = FakeReply.error(401, "Incorrect API key provided: " + mask(key));
        } else if (key != null && rateLimited.contains(key)) {
          reply = FakeReply.error(429, "Rate limit reached for this key");
        } else {
          reply = queue.isEmpty() ? script.copy() : queue.poll();
        }
      }
      answer(req, body, reply);
    });
  }

  private void answer(HttpServerRequest req, JsonObject body, FakeReply reply) {
    HttpServerResponse res = req.response();
    if (reply.status != 200) {
      String text = reply.rawErrorBody != null ? reply.rawErrorBody : errorBody(reply.status, reply.errorMessage);
      res.setStatusCode(reply.status)
          .putHeader("content-type", reply.rawErrorBody != null ? "text/html" : "application/json")
          .end(text);
      return;
    }
    if (reply.fault == FakeReply.Fault.HANG_BEFORE_HEADERS) {
      return;
    }
    boolean stream = Boolean.TRUE.equals(body.getValue("stream")) && !reply.ignoreStream;
    if (stream) {
      res.setChunked(true)
          .putHeader("content-type", "text/event-stream; charset=utf-8")
          .putHeader("cache-control", "no-cache")
          .putHeader("connection", "keep-alive");
      res.writeHead();
      if (reply.fault != FakeReply.Fault.HANG_AFTER_HEADERS) {
        run(req, res, reply, streamPlan(reply, body), 0, false);
      }
      return;
    }
    res.putHeader("content-type", "application/json");
    if (reply.fault == FakeReply.Fault.HANG_AFTER_HEADERS) {
      res.setChunked(true).writeHead();
      return;
    }
    long wait = reply.delayMs * (reply.tokens.size() + reply.reasoning.size());
    Runnable send = () -> {
      if (req.connection() == null || !connections.containsKey(req.connection())) {
        return;
      }
      switch (reply.fault) {
        case MALFORMED -> res.end("{\"id\":\"broken\", \"choices\": [");
        case CUT -> {
          res.setChunked(true).write("{\"id\":\"cut\",");
          cut(req);
        }
        default -> res.end(wholeAnswer(reply, body));
      }
    };
    if (wait > 0) {
      vertx.setTimer(wait, t -> send.run());
    } else {
      send.run();
    }
  }

  /** Writes the plan from {@code i}; waits the reply's delay before each token step. */
  private void run(HttpServerRequest req, HttpServerResponse res, FakeReply reply, List<Step> plan, int i,
      boolean waited) {
    while (true) {
      if (!connections.containsKey(req.connection()) || res.closed()) {
        return;
      }
      if (i >= plan.size()) {
        res.end();
        return;
      }
      Step step = plan.get(i);
      if (step.token() && reply.delayMs > 0 && !waited) {
        int at = i;
        vertx.setTimer(reply.delayMs, t -> run(req, res, reply, plan, at, true));
        return;
      }
      waited = false;
      switch (step.action()) {
        case HANG -> {
          return;
        }
        case CUT -> {
          cut(req);
          return;
        }
        default -> write(res, step.frame(), reply.splitBytes);
      }
      i++;
      if (res.writeQueueFull()) {
        // Honour TCP backpressure like a real server: continue only when the client reads again.
        int next = i;
        res.drainHandler(v -> run(req, res, reply, plan, next, false));
        return;
      }
    }
  }

  private void write(HttpServerResponse res, String frame, int split) {
    byte[] bytes = frame.getBytes(StandardCharsets.UTF_8);
    streamedBytes.addAndGet(bytes.length);
    if (split <= 0) {
      res.write(Buffer.buffer(bytes));
      return;
    }
    for (int off = 0; off < bytes.length; off += split) {
      // Each write is its own HTTP chunk, so the client's body handler sees these exact pieces.
      res.write(Buffer.buffer().appendBytes(bytes, off, Math.min(split, bytes.length - off)));
    }
  }

  private void cut(HttpServerRequest req) {
    HttpConnection conn = req.connection();
    closingByServer.add(conn);
    conn.close();
  }

  /** Text tokens with the reply's mid-stream fault in place; false when the fault ends the stream. */
  protected boolean addTextTokens(List<Step> plan, FakeReply reply, java.util.function.Function<String, String> frame,
      String errorFrame) {
    List<String> tokens = reply.tokens;
    for (int i = 0; i <= tokens.size(); i++) {
      if (i == reply.faultAfter) {
        switch (reply.fault) {
          case HANG_MID_STREAM -> {
            plan.add(Step.HANG);
            return false;
          }
          case MALFORMED -> {
            plan.add(Step.write(malformedFrame()));
            plan.add(Step.HANG);
            return false;
          }
          case CUT -> {
            plan.add(Step.CUT);
            return false;
          }
          case ERROR_EVENT -> {
            plan.add(Step.write(errorFrame));
            return false;
          }
          default -> {
          }
        }
      }
      if (i < tokens.size()) {
        plan.add(Step.token(frame.apply(tokens.get(i))));
      }
    }
    return true;
  }

  protected static String mask(String key) {
    if (key == null) {
      return "(none)";
    }
    return key.length() <= 6 ? "***" : key.substring(0, 3) + "***" + key.substring(key.length() - 2);
  }
}
