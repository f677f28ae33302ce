package dev.astrgate.fakes;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Telegram Bot API server on loopback, real HTTP: {@code /bot<token>/getMe}, {@code getUpdates} long polling with
 * offset acknowledgement, and the send methods (JSON or multipart), which it records. It also counts long polls in
 * flight, so a test can tell that never more than one node polls at a time.
 */
public final class FakeTelegram {
  public static final long BOT_ID = 7000001;
  public static final String BOT_USERNAME = "astr_test_bot";

  /** One recorded send: the method, its parameters, and the uploaded file's bytes for multipart calls. */
  public record Sent(String method, JsonObject params, Buffer file, String filename, String contentType) {
  }

  private final Vertx vertx;
  private final String token;
  private final List<JsonObject> queue = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private final CopyOnWriteArrayList<Sent> sent = new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<Long> pollOffsets = new CopyOnWriteArrayList<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final AtomicInteger updateIds = new AtomicInteger(500);
  private final AtomicInteger messageIds = new AtomicInteger(1);
  private volatile String failChatId;
  private HttpServer server;

  private record Waiter(RoutingContext ctx, long offset, long timer) {
  }

  public FakeTelegram(Vertx vertx, String token) {
    this.vertx = vertx;
    this.token = token;
  }

  public Future<Integer> start() throws Exception {
    Path uploads = Files.createTempDirectory("fake-telegram");
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create(uploads.toString()).setDeleteUploadedFilesOnEnd(false));
    router.post("/bot" + token + "/:method").handler(this::handle);
    router.route().handler(ctx -> ctx.response().setStatusCode(404).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("ok", false).put("error_code", 404).put("description", "Not Found").encode()));
    return vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").map(s -> {
      server = s;
      return s.actualPort();
    });
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  private void handle(RoutingContext ctx) {
    String method = ctx.pathParam("method");
    JsonObject params = params(ctx);
    switch (method) {
      case "getMe" -> ok(ctx, new JsonObject().put("id", BOT_ID).put("is_bot", true).put("first_name", "Astr")
          .put("username", BOT_USERNAME));
      case "getUpdates" -> getUpdates(ctx, params);
      default -> send(ctx, method, params);
    }
  }

  private static JsonObject params(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    if (type != null && type.startsWith("application/json")) {
      return ctx.body().asJsonObject();
    }
    JsonObject p = new JsonObject();
    ctx.request().formAttributes().forEach(e -> p.put(e.getKey(), e.getValue()));
    return p;
  }

  private synchronized void getUpdates(RoutingContext ctx, JsonObject params) {
    long offset = params.getLong("offset", 0L);
    long timeout = params.getLong("timeout", 0L);
    pollOffsets.add(offset);
    if (offset > 0) {
      queue.removeIf(u -> u.getLong("update_id") < offset);
    }
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    ctx.request().connection().closeHandler(v -> dropWaiter(ctx));
    if (!queue.isEmpty() || timeout == 0) {
      answerUpdates(ctx);
      return;
    }
    long timer = vertx.setTimer(timeout * 1000, t -> timedOut(ctx));
    waiters.add(new Waiter(ctx, offset, timer));
  }

  private synchronized void timedOut(RoutingContext ctx) {
    if (waiters.removeIf(w -> w.ctx() == ctx)) {
      answerUpdates(ctx);
    }
  }

  private synchronized void dropWaiter(RoutingContext ctx) {
    for (Waiter w : new ArrayList<>(waiters)) {
      if (w.ctx() == ctx) {
        waiters.remove(w);
        vertx.cancelTimer(w.timer());
        inFlight.decrementAndGet();
      }
    }
  }

  private void answerUpdates(RoutingContext ctx) {
    inFlight.decrementAndGet();
    if (!ctx.response().closed()) {
      ok(ctx, new JsonArray(new ArrayList<>(queue)));
    }
  }

  /** Queues a text message from {@code userId} in chat {@code chatId} ({@code group}: a supergroup); answers its update id. */
  public synchronized long enqueueText(long chatId, boolean group, long userId, String text) {
    long id = updateIds.incrementAndGet();
    JsonObject chat = new JsonObject().put("id", chatId).put("type", group ? "supergroup" : "private");
    JsonObject msg = new JsonObject().put("message_id", messageIds.incrementAndGet()).put("date", System.currentTimeMillis() / 1000)
        .put("chat", chat).put("from", new JsonObject().put("id", userId).put("is_bot", false).put("first_name", "u" + userId))
        .put("text", text);
    queue.add(new JsonObject().put("update_id", id).put("message", msg));
    for (Waiter w : new ArrayList<>(waiters)) {
      waiters.remove(w);
      vertx.cancelTimer(w.timer());
      answerUpdates(w.ctx());
    }
    return id;
  }

  private void send(RoutingContext ctx, String method, JsonObject params) {
    if (failChatId != null && failChatId.equals(String.valueOf(params.getValue("chat_id")))) {
      ctx.response().setStatusCode(400).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("ok", false).put("error_code", 400).put("description", "Bad Request: chat not found").encode());
      return;
    }
    Buffer file = null;
    String filename = null;
    String contentType = null;
    for (FileUpload f : ctx.fileUploads()) {
      file = vertx.fileSystem().readFileBlocking(f.uploadedFileName());
      filename = f.fileName();
      contentType = f.contentType();
      params.put("_field", f.name());
    }
    sent.add(new Sent(method, params, file, filename, contentType));
    ok(ctx, new JsonObject().put("message_id", messageIds.incrementAndGet())
        .put("chat", new JsonObject().put("id", params.getValue("chat_id"))));
  }

  private static void ok(RoutingContext ctx, Object result) {
    ctx.response().putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("ok", true).put("result", result).encode());
  }

  public List<Sent> sent() {
    return List.copyOf(sent);
  }

  public void clearSent() {
    sent.clear();
  }

  /** Sends to this chat id answer Telegram's "chat not found". */
  public void failChat(String chatId) {
    failChatId = chatId;
  }

  public int inFlight() {
    return inFlight.get();
  }

  public int maxInFlight() {
    return maxInFlight.get();
  }

  public List<Long> pollOffsets() {
    return List.copyOf(pollOffsets);
  }

  public int pollCount() {
    return pollOffsets.size();
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
