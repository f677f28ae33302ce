package dev.astrgate.bridge;

import dev.astrgate.auth.ApiKey;
import dev.astrgate.auth.KeyCache;
import dev.astrgate.auth.KeyMaterial;
import dev.astrgate.auth.Scopes;
import dev.astrgate.platform.SendFailure;
import dev.astrgate.platform.worker.WorkerAdapter;
import dev.astrgate.platform.worker.WorkerLink;
import dev.astrgate.platform.worker.WorkerProtocol;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker's TCP connection: frames in, frames out, in the event-bus bridge's wire format. It enforces the
 * connection's limits (frame size, frames per second, ping timeout), authenticates every claim by its API key, lets
 * frames reach only the worker protocol's addresses, and correlates the node's requests with the worker's answers.
 * A bad frame is answered with an err frame and the connection goes on; only a failed authentication closes it.
 * All of it runs on the socket's context.
 */
final class BridgeConnection implements WorkerLink {
  private static final Logger LOG = LoggerFactory.getLogger(BridgeConnection.class);
  private static final String REPLY_PREFIX = "astrgate.reply.";

  private final Vertx vertx;
  private final Context context;
  private final NetSocket socket;
  private final BridgeOptions options;
  private final KeyCache keys;
  private final Function<String, WorkerAdapter> workers;
  private final String id = UUID.randomUUID().toString();
  private final FrameReader reader;
  /** Decoded frames ({@link Buffer}) and oversized-frame notes ({@link Oversized}), in arrival order. */
  private final ArrayDeque<Object> queue = new ArrayDeque<>();
  private final Map<String, Promise<JsonObject>> pending = new HashMap<>();
  private final List<Runnable> endHooks = new ArrayList<>();
  private final long pingTimer;
  private long lastFrameNanos = System.nanoTime();
  private long windowStart = System.nanoTime();
  private int framesInWindow;
  /** Over the frame budget: reading waits for the next one-second window. */
  private boolean paused;
  /** A claim is being authenticated: later frames wait, so none is judged before the key is. */
  private boolean holding;
  private boolean authenticated;
  private boolean closed;
  private String name = "";
  private WorkerAdapter claimed;
  /** The hash of the key the last good claim carried (never the key), to re-check it when keys change. */
  private String keyHash;
  /** The adapter a claim went to last (told when this connection closes, even if the claim is still running). */
  private WorkerAdapter asked;
  private int replySeq;

  BridgeConnection(Vertx vertx, NetSocket socket, BridgeOptions options, KeyCache keys,
                   Function<String, WorkerAdapter> workers) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.socket = socket;
    this.options = options;
    this.keys = keys;
    this.workers = workers;
    this.reader = new FrameReader(options.maxFrameBytes(), new FrameReader.Sink() {
      @Override
      public void frame(Buffer payload) {
        queue.add(payload);
      }

      @Override
      public void oversized(long length) {
        queue.add(new Oversized(length));
      }
    });
    long check = Math.max(100, options.pingTimeoutMs() / 6);
    pingTimer = vertx.setPeriodic(check, check, t -> checkAlive());
    socket.handler(this::onData);
    socket.closeHandler(v -> onClosed());
    socket.exceptionHandler(err -> LOG.debug("bridge socket error connection={} reason={}", id, err.toString()));
  }

  private record Oversized(long length) {
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public Context context() {
    return context;
  }

  @Override
  public String describe() {
    return "connection=" + id + " peer=" + socket.remoteAddress() + " worker=" + name;
  }

  private void onData(Buffer chunk) {
    reader.feed(chunk);
    drain();
  }

  /** Handles queued frames within the per-second budget; past it, reading pauses until the next window. */
  private void drain() {
    while (!queue.isEmpty() && !closed && !holding) {
      long now = System.nanoTime();
      if (now - windowStart >= 1_000_000_000L) {
        windowStart = now;
        framesInWindow = 0;
      }
      if (framesInWindow >= options.maxFramesPerSecond()) {
        if (!paused) {
          paused = true;
          reading();
          long waitMs = Math.max(1, (1_000_000_000L - (now - windowStart)) / 1_000_000);
          vertx.setTimer(waitMs, t -> {
            paused = false;
            reading();
            drain();
          });
        }
        return;
      }
      framesInWindow++;
      lastFrameNanos = now;
      Object next = queue.poll();
      if (next instanceof Oversized o) {
        refuseFrame("frame_too_large", "frame of " + o.length() + " bytes, limit " + options.maxFrameBytes());
      } else {
        onFrame((Buffer) next);
      }
    }
  }

  /** The socket reads while no claim is pending and the frame budget lasts. */
  private void reading() {
    if (closed) {
      return;
    }
    if (paused || holding) {
      socket.pause();
    } else {
      socket.resume();
    }
  }

  private void onFrame(Buffer payload) {
    JsonObject msg;
    try {
      Object parsed = Json.decodeValue(payload);
      if (!(parsed instanceof JsonObject o)) {
        refuseFrame("invalid_frame", "a frame is a JSON object");
        return;
      }
      msg = o;
    } catch (DecodeException e) {
      refuseFrame("invalid_json", "the frame is not JSON");
      return;
    }
    Object type = msg.getValue("type");
    Object address = msg.getValue("address");
    if (!(type instanceof String t)) {
      refuseFrame("unknown_type", "type must be a string");
      return;
    }
    if (!authenticated && !(t.equals("send") && WorkerProtocol.CLAIM.equals(address))) {
      closeWith("auth_required", "the first frame must be a claim with the API key");
      return;
    }
    switch (t) {
      case "ping" -> write(new JsonObject().put("type", "pong"));
      case "send" -> onSend(msg, address);
      case "register", "unregister" -> {
        if (!(address instanceof String a)) {
          err("missing_address", null);
        } else if (!WorkerProtocol.REGISTRABLE.contains(a)) {
          err("access_denied", null);
        }
        // The node delivers sends from the claim on; registering is what generic bridge clients do to get them.
      }
      case "publish" -> err(address instanceof String ? "access_denied" : "missing_address", null);
      default -> err("unknown_type", null);
    }
  }

  private void onSend(JsonObject msg, Object address) {
    if (!(address instanceof String a)) {
      err("missing_address", null);
      return;
    }
    Object replyAddress = msg.getValue("replyAddress");
    if (replyAddress != null && !(replyAddress instanceof String)) {
      err("invalid_frame", "replyAddress must be a string");
      return;
    }
    String reply = (String) replyAddress;
    Promise<JsonObject> waiting = pending.remove(a);
    if (waiting != null) {
      answered(waiting, msg);
      return;
    }
    if (!WorkerProtocol.REQUESTS.contains(a)) {
      err("access_denied", null);
      return;
    }
    Object body = msg.getValue("body");
    if (!(body instanceof JsonObject b)) {
      fail(a, reply, WorkerProtocol.BAD_REQUEST, "body must be a JSON object");
      return;
    }
    switch (a) {
      case WorkerProtocol.CLAIM -> claim(msg, b, reply);
      case WorkerProtocol.INBOUND -> claimedOnly(a, reply, w -> w.inbound(this, b));
      default -> claimedOnly(a, reply, w -> w.attachment(this, b));
    }
  }

  private void claimedOnly(String address, String reply, Function<WorkerAdapter, Future<JsonObject>> call) {
    WorkerAdapter w = claimed;
    if (w == null) {
      fail(address, reply, WorkerProtocol.CONFLICT, "claim a platform first");
      return;
    }
    answer(address, reply, call.apply(w));
  }

  /** The worker's answer to one of our sends: a body, or failureCode and message. */
  private static void answered(Promise<JsonObject> waiting, JsonObject msg) {
    if (msg.getValue("failureCode") instanceof Number code) {
      String text = msg.getValue("message") instanceof String s ? s : "worker failed the send";
      waiting.tryFail(new SendFailure(code.intValue() == SendFailure.INVALID ? SendFailure.INVALID
          : SendFailure.REFUSED, text));
      return;
    }
    JsonObject body = msg.getValue("body") instanceof JsonObject b ? b : new JsonObject();
    if (Boolean.FALSE.equals(body.getValue("ok"))) {
      waiting.tryFail(SendFailure.refused(body.getValue("error") instanceof String s ? s : "worker failed the send"));
      return;
    }
    waiting.tryComplete(body);
  }

  private void claim(JsonObject msg, JsonObject body, String reply) {
    String raw = presentedKey(msg.getValue("headers"));
    if (raw == null) {
      refuseAuth(reply, WorkerProtocol.UNAUTHORIZED, "Missing API key");
      return;
    }
    String hash = KeyMaterial.hash(raw);
    ApiKey warm = keys.peek(hash);
    Future<Optional<ApiKey>> key = warm != null ? Future.succeededFuture(Optional.of(warm)) : keys.load(hash);
    holding = true;
    reading();
    key.onComplete(ar -> {
      holding = false;
      reading();
      if (!closed) {
        authenticated(ar, body, reply, hash);
        drain();
      }
    });
  }

  private void authenticated(AsyncResult<Optional<ApiKey>> ar, JsonObject body, String reply,
                             String hash) {
    if (ar.failed()) {
      fail(WorkerProtocol.CLAIM, reply, WorkerProtocol.UNAVAILABLE, "key store unavailable, retry");
      return;
    }
    ApiKey k = ar.result().orElse(null);
    if (k == null || !k.usableAt(OffsetDateTime.now(ZoneOffset.UTC))) {
      refuseAuth(reply, WorkerProtocol.UNAUTHORIZED, "Invalid API key");
      return;
    }
    if (!Scopes.allowsPlatform(k.scopes())) {
      refuseAuth(reply, WorkerProtocol.FORBIDDEN, "API key lacks the platform scope");
      return;
    }
    authenticated = true;
    keyHash = hash;
    // A name for logs only: short, and nothing that could break a log line.
    name = body.getValue("worker") instanceof String s
        ? s.substring(0, Math.min(64, s.length())).replaceAll("[^\\w.@-]", "_") : "";
    String platformId = body.getValue("platform_id") instanceof String s ? s : null;
    WorkerAdapter w = platformId == null ? null : workers.apply(platformId);
    if (w == null) {
      fail(WorkerProtocol.CLAIM, reply, WorkerProtocol.NOT_FOUND, platformId == null ? "claim needs platform_id"
          : "platform " + platformId + " is not declared as a worker platform");
      return;
    }
    if (claimed != null && claimed != w) {
      fail(WorkerProtocol.CLAIM, reply, WorkerProtocol.CONFLICT, "this connection holds platform "
          + claimed.platformId() + " already");
      return;
    }
    asked = w;
    answer(WorkerProtocol.CLAIM, reply, here(w.claim(this)).map(ok -> {
      claimed = w;
      return ok.put("ping_interval_ms", options.pingIntervalMs()).put("max_frame_bytes", options.maxFrameBytes());
    }));
  }

  /** The same outcome, completed on this connection's context. */
  private <T> Future<T> here(Future<T> f) {
    Promise<T> p = Promise.promise();
    f.onComplete(ar -> context.runOnContext(v -> p.handle(ar)));
    return p.future();
  }

  /** The key from the claim's headers: {@code authorization: Bearer …} or {@code x-api-key}. */
  private static String presentedKey(Object headers) {
    if (!(headers instanceof JsonObject h)) {
      return null;
    }
    String k = null;
    if (h.getValue("authorization") instanceof String a && a.startsWith("Bearer ")) {
      k = a.substring("Bearer ".length()).strip();
    } else if (h.getValue("x-api-key") instanceof String x) {
      k = x.strip();
    }
    return k == null || k.isEmpty() ? null : k;
  }

  private void answer(String address, String reply, Future<JsonObject> result) {
    here(result).onComplete(ar -> {
      if (closed) {
        return;
      }
      if (ar.succeeded()) {
        if (reply != null) {
          write(new JsonObject().put("type", "message").put("address", reply).put("send", true)
              .put("body", ar.result()));
        }
        return;
      }
      Throwable e = ar.cause();
      if (e instanceof ReplyException re) {
        fail(address, reply, re.failureCode(), re.getMessage());
      } else {
        LOG.warn("bridge request failed address={} {} reason={}", address, describe(), e.toString());
        fail(address, reply, 500, "internal error");
      }
    });
  }

  /** An err frame answering a request, in the bridge's format for failed requests. */
  private void fail(String address, String reply, int code, String message) {
    JsonObject f = new JsonObject().put("type", "err");
    if (reply != null) {
      f.put("address", reply);
    }
    write(f.put("sourceAddress", address).put("failureCode", code)
        .put("failureType", ReplyFailure.RECIPIENT_FAILURE.name()).put("message", message));
  }

  private void refuseAuth(String reply, int code, String message) {
    LOG.info("bridge auth refused peer={} code={}", socket.remoteAddress(), code);
    fail(WorkerProtocol.CLAIM, reply, code, message);
    shut();
  }

  private void refuseFrame(String code, String detail) {
    if (!authenticated) {
      closeWith("auth_required", "the first frame must be a claim with the API key");
      return;
    }
    err(code, detail);
  }

  private void err(String code, String detail) {
    JsonObject f = new JsonObject().put("type", "err").put("message", code);
    if (detail != null) {
      f.put("detail", detail);
    }
    write(f);
  }

  private void closeWith(String code, String detail) {
    err(code, detail);
    shut();
  }

  private void write(JsonObject frame) {
    if (closed) {
      return;
    }
    Buffer data = frame.toBuffer();
    socket.write(Buffer.buffer(4 + data.length()).appendInt(data.length()).appendBuffer(data));
  }

  private void shut() {
    if (!closed) {
      socket.end().onComplete(ar -> socket.close());
      onClosed();
    }
  }

  private void checkAlive() {
    if (!closed && System.nanoTime() - lastFrameNanos > options.pingTimeoutMs() * 1_000_000L && !paused) {
      LOG.info("bridge ping timeout {} ms={}", describe(), options.pingTimeoutMs());
      closeWith("ping_timeout", "no frame for " + options.pingTimeoutMs() + " ms");
    }
  }

  private void onClosed() {
    if (closed) {
      return;
    }
    closed = true;
    vertx.cancelTimer(pingTimer);
    queue.clear();
    pending.values().forEach(p -> p.tryFail(SendFailure.refused("worker disconnected before answering")));
    pending.clear();
    if (asked != null) {
      asked.closed(this);
    }
    endHooks.forEach(Runnable::run);
    LOG.info("bridge connection closed {}", describe());
  }

  /** Keys changed somewhere (a revocation, say): a connection whose key no longer passes is closed. */
  void recheckKey() {
    String hash = keyHash;
    if (closed || hash == null) {
      return;
    }
    keys.load(hash).onComplete(ar -> {
      if (ar.succeeded() && !closed && hash.equals(keyHash)) {
        ApiKey k = ar.result().orElse(null);
        if (k == null || !k.usableAt(OffsetDateTime.now(ZoneOffset.UTC)) || !Scopes.allowsPlatform(k.scopes())) {
          LOG.info("bridge key no longer valid {}", describe());
          closeWith("key_revoked", "the API key was revoked or changed");
        }
      }
    });
  }

  /** Called once when the connection ends, on its context. */
  void onEnd(Runnable r) {
    endHooks.add(r);
  }

  // ---- WorkerLink ---------------------------------------------------------------------------------------------

  @Override
  public Future<JsonObject> request(JsonObject body) {
    if (closed) {
      return Future.failedFuture(SendFailure.refused("worker disconnected"));
    }
    String reply = REPLY_PREFIX + id + "." + (++replySeq);
    Promise<JsonObject> answer = Promise.promise();
    pending.put(reply, answer);
    long timer = vertx.setTimer(WorkerProtocol.SEND_TIMEOUT_MS, t -> {
      if (pending.remove(reply) != null) {
        answer.tryFail(SendFailure.refused("worker did not answer within " + WorkerProtocol.SEND_TIMEOUT_MS / 1000
            + " s"));
      }
    });
    write(new JsonObject().put("type", "message").put("address", WorkerProtocol.SEND).put("replyAddress", reply)
        .put("send", true).put("body", body));
    return answer.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  @Override
  public void close(String reason) {
    context.runOnContext(v -> closeWith("closed", reason));
  }
}
