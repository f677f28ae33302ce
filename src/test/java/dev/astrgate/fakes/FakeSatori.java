package dev.astrgate.fakes;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Satori server (what Koishi's server-satori or Chronocat is to a bot) on loopback, speaking the real protocol:
 * the WebSocket at {@code /satori/v1/events} (IDENTIFY with token and sn, READY with logins, PING/PONG, EVENT with a
 * sequence number, replay of every event after the identified sn) and the HTTP API {@code POST
 * /satori/v1/message.create} with Bearer auth. It records every IDENTIFY and every API request.
 *
 * <p>{@link Generation#CURRENT} wants {@code Satori-Platform}/{@code Satori-User-ID} on API calls and sends logins
 * with {@code user.id} and events with {@code sn} and {@code login}; {@link Generation#LEGACY} (servers before the
 * header rename) wants {@code X-Platform}/{@code X-Self-ID} and sends {@code self_id}/{@code platform} at the top of
 * logins and events, with the sequence number in the event's {@code id}.
 */
public final class FakeSatori {
  /** Which header names the API checks and which shapes logins and events take. */
  public enum Generation { CURRENT, LEGACY }

  /** One bot account the server bridges. */
  public record Login(String platform, String selfId, String name) {
  }

  private final Vertx vertx;
  private final String token;
  private final Generation generation;
  private final List<Login> logins;
  private final List<JsonObject> events = new ArrayList<>();
  private final List<ServerWebSocket> ready = new CopyOnWriteArrayList<>();
  private final List<ServerWebSocket> sockets = new CopyOnWriteArrayList<>();
  private final LinkedBlockingQueue<JsonObject> identifies = new LinkedBlockingQueue<>();
  private final CopyOnWriteArrayList<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  private final LinkedBlockingQueue<RecordedRequest> sends = new LinkedBlockingQueue<>();
  private final AtomicInteger pings = new AtomicInteger();
  private final AtomicInteger messageIds = new AtomicInteger(9000);
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger maxReady = new AtomicInteger();
  private volatile boolean replayOverlap;
  private volatile boolean answerPings = true;
  private volatile int refuseStatus;
  private volatile String refuseBody;
  private long sn;
  private HttpServer server;

  public FakeSatori(Vertx vertx, String token, Generation generation, List<Login> logins) {
    this.vertx = vertx;
    this.token = token;
    this.generation = generation;
    this.logins = List.copyOf(logins);
  }

  public Future<Integer> start() {
    return vertx.createHttpServer().requestHandler(this::onRequest).listen(0, "127.0.0.1").map(s -> {
      server = s;
      return s.actualPort();
    });
  }

  public String endpoint() {
    return "ws://127.0.0.1:" + server.actualPort() + "/satori/v1/events";
  }

  public String apiBase() {
    return "http://127.0.0.1:" + server.actualPort() + "/satori/v1";
  }

  private void onRequest(HttpServerRequest req) {
    if ("/satori/v1/events".equals(req.path())) {
      req.toWebSocket().onSuccess(this::onSocket).onFailure(err -> req.response().setStatusCode(400).end());
      return;
    }
    req.body().onSuccess(body -> {
      JsonObject json;
      try {
        json = body.length() == 0 ? new JsonObject() : body.toJsonObject();
      } catch (RuntimeException e) {
        req.response().setStatusCode(400).end("invalid json");
        return;
      }
      Promise<Long> closed = Promise.promise();
      req.connection().closeHandler(v -> closed.tryComplete(System.currentTimeMillis()));
      RecordedRequest r = new RecordedRequest(req.method().name(), req.path(), req.headers(), json,
          System.currentTimeMillis(), closed.future());
      requests.add(r);
      api(req, r);
    });
  }

  private void api(HttpServerRequest req, RecordedRequest r) {
    if (!"/satori/v1/message.create".equals(r.path()) || !"POST".equals(r.method())) {
      req.response().setStatusCode(404).end();
      return;
    }
    if (token != null && !("Bearer " + token).equals(r.header("Authorization"))) {
      req.response().setStatusCode(401).end();
      return;
    }
    String platform = r.header(generation == Generation.CURRENT ? "Satori-Platform" : "X-Platform");
    String self = r.header(generation == Generation.CURRENT ? "Satori-User-ID" : "X-Self-ID");
    if (logins.stream().noneMatch(l -> l.platform().equals(platform) && l.selfId().equals(self))) {
      req.response().setStatusCode(403).end("login not found: " + platform + "/" + self);
      return;
    }
    if (refuseStatus != 0) {
      req.response().setStatusCode(refuseStatus).end(refuseBody);
      return;
    }
    sends.add(r);
    String id = Integer.toString(messageIds.incrementAndGet());
    req.response().putHeader("Content-Type", "application/json")
        .end(new JsonArray().add(new JsonObject().put("id", id).put("content", r.body().getString("content"))).encode());
  }

  private void onSocket(ServerWebSocket ws) {
    connections.incrementAndGet();
    sockets.add(ws);
    long identifyTimer = vertx.setTimer(10_000, t -> ws.close((short) 4000, "identify timeout"));
    ws.closeHandler(v -> {
      sockets.remove(ws);
      ready.remove(ws);
      vertx.cancelTimer(identifyTimer);
    });
    ws.textMessageHandler(text -> {
      JsonObject frame = new JsonObject(text);
      JsonObject body = frame.getJsonObject("body", new JsonObject());
      switch (frame.getInteger("op", -1)) {
        case 1 -> {
          pings.incrementAndGet();
          if (answerPings) {
            ws.writeTextMessage(new JsonObject().put("op", 2).put("body", new JsonObject()).encode());
          }
        }
        case 3 -> {
          vertx.cancelTimer(identifyTimer);
          identifies.add(body);
          if (token != null && !token.equals(body.getString("token"))) {
            ws.close((short) 4001, "invalid token");
            return;
          }
          identified(ws, body.getValue("sn") instanceof Number n ? n.longValue() : 0L);
        }
        default -> ws.close((short) 4002, "unexpected op");
      }
    });
  }

  private synchronized void identified(ServerWebSocket ws, long resumeFrom) {
    JsonArray list = new JsonArray();
    for (Login l : logins) {
      JsonObject user = new JsonObject().put("id", l.selfId()).put("name", l.name());
      JsonObject login = new JsonObject().put("platform", l.platform()).put("user", user).put("status", 1);
      if (generation == Generation.LEGACY) {
        login.put("self_id", l.selfId());
      } else {
        login.put("adapter", "fake").put("features", new JsonArray().add("message.create"));
      }
      list.add(login);
    }
    ws.writeTextMessage(new JsonObject().put("op", 4).put("body", new JsonObject().put("logins", list)
        .put("proxy_urls", new JsonArray())).encode());
    if (resumeFrom > 0) {
      for (JsonObject e : events) {
        long n = e.getLong("_sn");
        if (n > resumeFrom || replayOverlap && n == resumeFrom) {
          ws.writeTextMessage(frame(e));
        }
      }
    }
    ready.add(ws);
    maxReady.accumulateAndGet(ready.size(), Math::max);
  }

  private static String frame(JsonObject event) {
    JsonObject body = event.copy();
    body.remove("_sn");
    return new JsonObject().put("op", 0).put("body", body).encode();
  }

  /**
   * A user's message: private when {@code guildId} is null, else in that guild's channel. The event is logged (so a
   * resuming client gets it) and pushed to every identified socket. Answers its sequence number.
   */
  public synchronized long message(int login, String channelId, String guildId, String userId, String nick, String content) {
    Login l = logins.get(login);
    long n = ++sn;
    String messageId = "in-" + n;
    JsonObject user = new JsonObject().put("id", userId).put("name", nick).put("nick", nick);
    JsonObject event = new JsonObject().put("_sn", n).put("type", "message-created")
        .put("timestamp", System.currentTimeMillis())
        .put("channel", new JsonObject().put("id", channelId).put("type", guildId == null ? 1 : 0))
        .put("user", user)
        .put("message", new JsonObject().put("id", messageId).put("content", content));
    if (guildId != null) {
      event.put("guild", new JsonObject().put("id", guildId).put("name", "g" + guildId));
      event.put("member", new JsonObject().put("nick", nick));
    }
    if (generation == Generation.CURRENT) {
      event.put("sn", n).put("login", new JsonObject().put("sn", login + 1).put("platform", l.platform())
          .put("user", new JsonObject().put("id", l.selfId()).put("name", l.name())));
    } else {
      event.put("id", n).put("platform", l.platform()).put("self_id", l.selfId());
    }
    events.add(event);
    String frame = frame(event);
    for (ServerWebSocket ws : ready) {
      ws.writeTextMessage(frame);
    }
    return n;
  }

  /** The bot's own message echoed back (platforms do that); a client must ignore it. */
  public synchronized long ownMessage(int login, String channelId, String content) {
    Login l = logins.get(login);
    return message(login, channelId, null, l.selfId(), l.name(), content);
  }

  /** Writes a raw text frame to every identified socket (for garbage and odd shapes). */
  public void raw(String frame) {
    for (ServerWebSocket ws : ready) {
      ws.writeTextMessage(frame);
    }
  }

  /** Closes every WebSocket (as a server restart or a network drop does); events keep being logged. */
  public void dropConnections() {
    for (ServerWebSocket ws : sockets) {
      ws.close();
    }
  }

  /** A sloppy server that replays the identified event itself again on resume. */
  public void replayOverlap(boolean on) {
    replayOverlap = on;
  }

  /** When false, PINGs go unanswered (a half-open connection). */
  public void answerPings(boolean on) {
    answerPings = on;
  }

  /** message.create answers this status and body (0: accept again). */
  public void refuseSends(int status, String body) {
    refuseStatus = status;
    refuseBody = body;
  }

  /** The next IDENTIFY body, or null after {@code seconds}. */
  public JsonObject nextIdentify(long seconds) throws InterruptedException {
    return identifies.poll(seconds, TimeUnit.SECONDS);
  }

  /** The next accepted message.create, or null after {@code seconds}. */
  public RecordedRequest nextSend(long seconds) throws InterruptedException {
    return sends.poll(seconds, TimeUnit.SECONDS);
  }

  public List<RecordedRequest> requests() {
    return List.copyOf(requests);
  }

  public int pings() {
    return pings.get();
  }

  public int connections() {
    return connections.get();
  }

  /** The most clients that were identified at the same time. */
  public int maxReady() {
    return maxReady.get();
  }

  public int openSockets() {
    return sockets.size();
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
