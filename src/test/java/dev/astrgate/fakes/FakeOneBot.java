package dev.astrgate.fakes;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A OneBot v11 protocol end (what NapCat does as a "universal" reverse WebSocket client), speaking real frames:
 * lifecycle and heartbeat meta events, message events, and answers to API calls with {@code echo}.
 * Received API calls are queued for the test; how they are answered is up to {@link #responder}.
 */
public final class FakeOneBot {
  private final Vertx vertx;
  private final String selfId;
  private final WebSocketClient client;
  private final LinkedBlockingQueue<JsonObject> calls = new LinkedBlockingQueue<>();
  private final AtomicInteger messageIds = new AtomicInteger(1000);
  private volatile Function<JsonObject, JsonObject> responder = this::ok;
  private volatile WebSocket ws;
  private volatile Promise<Void> closed = Promise.promise();

  public FakeOneBot(Vertx vertx, String selfId) {
    this.vertx = vertx;
    this.selfId = selfId;
    this.client = vertx.createWebSocketClient();
  }

  /** Dials {@code ws://127.0.0.1:<port><path>}; {@code authorization} is the whole header value, or null. */
  public Future<Void> connect(int port, String path, String authorization, String role) {
    WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(path)
        .addHeader("X-Self-ID", selfId).addHeader("User-Agent", "OneBot/11");
    if (role != null) {
      o.addHeader("X-Client-Role", role);
    }
    if (authorization != null) {
      o.addHeader("Authorization", authorization);
    }
    return client.connect(o).map(socket -> {
      ws = socket;
      closed = Promise.promise();
      Promise<Void> mine = closed;
      socket.textMessageHandler(this::onText);
      socket.closeHandler(v -> mine.tryComplete());
      socket.writeTextMessage(new JsonObject().put("time", now()).put("self_id", Long.parseLong(selfId))
          .put("post_type", "meta_event").put("meta_event_type", "lifecycle").put("sub_type", "connect").encode());
      return null;
    });
  }

  public Future<Void> connect(int port, String path, String token) {
    return connect(port, path, token == null ? null : "Bearer " + token, "Universal");
  }

  private void onText(String text) {
    JsonObject call = new JsonObject(text);
    calls.add(call);
    JsonObject answer = responder.apply(call);
    if (answer != null) {
      ws.writeTextMessage(answer.put("echo", call.getValue("echo")).encode());
    }
  }

  /** The default answer: success with a fresh message id. */
  public JsonObject ok(JsonObject call) {
    return new JsonObject().put("status", "ok").put("retcode", 0)
        .put("data", new JsonObject().put("message_id", messageIds.incrementAndGet()));
  }

  /** How NapCat refuses: status failed, a retcode, a message and a wording. */
  public static JsonObject failed(int retcode, String message, String wording) {
    return new JsonObject().put("status", "failed").put("retcode", retcode).put("data", null)
        .put("message", message).put("wording", wording);
  }

  /** Answers calls with {@code f} (null: stay silent). */
  public void responder(Function<JsonObject, JsonObject> f) {
    responder = f;
  }

  public void answerOk() {
    responder = this::ok;
  }

  /** The next API call received, or null after {@code seconds}. */
  public JsonObject nextCall(long seconds) throws InterruptedException {
    return calls.poll(seconds, TimeUnit.SECONDS);
  }

  public int pendingCalls() {
    return calls.size();
  }

  public void clearCalls() {
    calls.clear();
  }

  public Future<Void> heartbeat(long intervalMs) {
    return ws.writeTextMessage(new JsonObject().put("time", now()).put("self_id", Long.parseLong(selfId))
        .put("post_type", "meta_event").put("meta_event_type", "heartbeat").put("interval", intervalMs)
        .put("status", new JsonObject().put("online", true).put("good", true)).encode());
  }

  /** A private message event; {@code message} is a segment array or a CQ string. */
  public Future<Void> privateMessage(long userId, Object message) {
    return ws.writeTextMessage(new JsonObject().put("time", now()).put("self_id", Long.parseLong(selfId))
        .put("post_type", "message").put("message_type", "private").put("sub_type", "friend")
        .put("message_id", messageIds.incrementAndGet()).put("user_id", userId).put("message", message)
        .put("raw_message", message instanceof String s ? s : "").put("font", 0)
        .put("sender", new JsonObject().put("user_id", userId).put("nickname", "user" + userId)).encode());
  }

  public Future<Void> groupMessage(long groupId, long userId, Object message) {
    return ws.writeTextMessage(new JsonObject().put("time", now()).put("self_id", Long.parseLong(selfId))
        .put("post_type", "message").put("message_type", "group").put("sub_type", "normal")
        .put("message_id", messageIds.incrementAndGet()).put("group_id", groupId).put("user_id", userId)
        .put("message", message).put("raw_message", message instanceof String s ? s : "").put("font", 0)
        .put("sender", new JsonObject().put("user_id", userId).put("nickname", "user" + userId).put("card", "")
            .put("role", "member")).encode());
  }

  public static JsonArray text(String t) {
    return new JsonArray().add(new JsonObject().put("type", "text").put("data", new JsonObject().put("text", t)));
  }

  public static JsonObject at(String qq) {
    return new JsonObject().put("type", "at").put("data", new JsonObject().put("qq", qq));
  }

  public boolean isOpen() {
    WebSocket s = ws;
    return s != null && !s.isClosed();
  }

  /** Completes when the server closes (or the connection drops). */
  public Future<Void> closedFuture() {
    return closed.future();
  }

  public Future<Void> close() {
    WebSocket s = ws;
    return s == null || s.isClosed() ? Future.succeededFuture() : s.close();
  }

  private static long now() {
    return System.currentTimeMillis() / 1000;
  }
}
