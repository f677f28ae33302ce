package dev.astrgate.platform.satori;

import dev.astrgate.cluster.Addresses;
import dev.astrgate.cluster.ClusterInfo;
import dev.astrgate.platform.Attachments;
import dev.astrgate.platform.ChatBridge;
import dev.astrgate.platform.MessageParts;
import dev.astrgate.platform.PlatformHub;
import dev.astrgate.platform.PyText;
import dev.astrgate.platform.SendFailure;
import dev.astrgate.platform.SerialQueue;
import dev.astrgate.platform.Umo;
import dev.astrgate.platform.WakeRule;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Lock;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code satori} platform: a client of a Satori server (Koishi's server-satori, Chronocat), held by exactly one
 * node per platform id under the cluster lock {@code platform.<id>.poller}; the other nodes retry every second.
 *
 * <p>Events come over the WebSocket at {@code satori_endpoint}: IDENTIFY (token, last {@code sn}), READY (logins),
 * PING every {@code satori_heartbeat_interval} s, EVENT. Sends are {@code POST <satori_api_base_url>/message.create}
 * with both header generations. Exactly-once across reconnects and failover: a received message event is written
 * to PostgreSQL ({@code preferences}, scope {@code platform}, key {@code satori_sn}, value
 * {@code {sn, pending: [events], lease}}) before it is handled; it leaves {@code pending} once its answer was sent.
 * A new holder first finishes what is pending, then IDENTIFYs with the stored {@code sn}, so the server replays
 * exactly what nobody has seen. The {@code lease}, raised by every new holder, fences off a deposed one's writes.
 */
public final class SatoriVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(SatoriVerticle.class);
  public static final String TYPE = "satori";
  static final String SCOPE = "platform";
  static final String KEY = "satori_sn";
  static final int OP_EVENT = 0;
  static final int OP_PING = 1;
  static final int OP_PONG = 2;
  static final int OP_IDENTIFY = 3;
  static final int OP_READY = 4;
  private static final long RETRY_MS = 1_000;
  private static final long CALL_TIMEOUT_MS = 30_000;
  /** A connection that stays silent (no PONG, no event) for this many heartbeats is treated as dead. */
  private static final int MISSED_HEARTBEATS = 3;

  private final SatoriOptions options;
  private final String platformId;
  private final WakeRule wake;
  private final PlatformHub hub;
  private final ClusterInfo cluster;
  private final Map<Long, JsonObject> pending = new LinkedHashMap<>();
  private final Set<Long> started = new HashSet<>();
  /** Pending events already in PostgreSQL; only those may be handled. */
  private final Set<Long> stored = new HashSet<>();
  private final Map<String, JsonObject> channelLogins = new HashMap<>();
  private final SerialQueue chats = new SerialQueue();
  private WebClient http;
  private WebSocketClient wsClient;
  private StoreClient store;
  private ChatBridge chat;
  private MessageConsumer<JsonObject> sends;
  private MessageConsumer<JsonObject> directSends;
  private JsonObject entry;
  private Lock lock;
  private long generation;
  private boolean leading;
  private boolean stopped;
  private long retryTimer = -1;
  private long lease;
  private long sn;
  private boolean dirty;
  private Future<Void> commitTail = Future.succeededFuture();
  private boolean commitQueued;
  private WebSocket ws;
  private long connection;
  private long pingTimer = -1;
  private long reconnectTimer = -1;
  private long lastFrameAt;
  private int attempts;
  private boolean ready;
  private List<JsonObject> logins = List.of();

  public SatoriVerticle(JsonObject entry, WakeRule wake, PlatformHub hub, ClusterInfo cluster) {
    this.options = SatoriOptions.of(entry);
    this.platformId = options.platformId();
    this.wake = wake;
    this.hub = hub;
    this.cluster = cluster;
  }

  @Override
  public Future<?> start() {
    store = new StoreClient(vertx);
    chat = new ChatBridge(vertx, ChatBridge.DEFAULT_TIMEOUT_MS);
    http = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true).setConnectTimeout(10_000)
        .setUserAgent("astrgate"));
    wsClient = vertx.createWebSocketClient(new WebSocketClientOptions().setConnectTimeout(10_000)
        .setMaxFrameSize(16 * 1024 * 1024).setMaxMessageSize(64 * 1024 * 1024));
    hub.register(platformId, this::state, null);
    if (!options.endpoint().startsWith("ws://") && !options.endpoint().startsWith("wss://")) {
      LOG.warn("platform not started id={} type={} reason=satori_endpoint_not_websocket", platformId, TYPE);
      return Future.succeededFuture();
    }
    LOG.info("platform started id={} type={} node={} endpoint={}", platformId, TYPE, cluster.nodeName(),
        options.endpoint());
    tryLead();
    return Future.succeededFuture();
  }

  private String state() {
    if (!leading) {
      return "standby";
    }
    return ready ? "owner" : "connecting";
  }

  // ---- leadership -------------------------------------------------------------------------------------------

  private void tryLead() {
    retryTimer = -1;
    if (stopped) {
      return;
    }
    vertx.sharedData().getLockWithTimeout(Addresses.platformPoller(platformId), 200).onComplete(ar -> {
      if (stopped) {
        if (ar.succeeded()) {
          ar.result().release();
        }
        return;
      }
      if (ar.failed()) {
        retryTimer = vertx.setTimer(RETRY_MS, t -> tryLead());
      } else {
        lead(ar.result());
      }
    });
  }

  private void lead(Lock acquired) {
    long gen = ++generation;
    lock = acquired;
    leading = true;
    store.bumpLease(SCOPE, platformId, KEY, new JsonObject().put("sn", 0L).put("pending", new JsonArray()))
        .compose(state -> {
          lease = state.getLong("lease");
          sn = state.getLong("sn", 0L);
          pending.clear();
          started.clear();
          stored.clear();
          for (Object o : state.getJsonArray("pending", new JsonArray())) {
            if (o instanceof JsonObject e && sequence(e) != null) {
              pending.put(sequence(e), e);
              stored.add(sequence(e));
            }
          }
          sends = vertx.eventBus().consumer(Addresses.platformSend(platformId), this::onSend);
          directSends = vertx.eventBus().consumer(Addresses.platformSendTo(platformId, cluster.nodeId()), this::onSend);
          return Future.all(sends.completion(), directSends.completion());
        })
        .compose(v -> announce(gen))
        .onSuccess(v -> {
          LOG.info("satori holder active id={} node={} lease={} sn={} pending={}", platformId, cluster.nodeName(),
              lease, sn, pending.size());
          attempts = 0;
          // Events a previous holder stored but did not finish go first, then the server replays what follows sn.
          dispatchStored(gen);
          connect(gen);
        })
        .onFailure(err -> stepDown(gen, "start failed: " + err.getMessage()));
  }

  /** Records this node as the owner in the connection map (we hold the lock: the only writer) and tells every node. */
  private Future<Void> announce(long gen) {
    JsonObject value = new JsonObject().put("node", cluster.nodeName()).put("node_id", cluster.nodeId())
        .put("poller", true).put("lease", lease).put("epoch", lease);
    return vertx.sharedData().<String, JsonObject>getAsyncMap(Addresses.PLATFORM_CONNECTIONS_MAP)
        .compose(m -> m.put(platformId, value))
        .onSuccess(v -> {
          if (gen == generation) {
            entry = value;
            vertx.eventBus().publish(Addresses.PLATFORM_OWNERSHIP, new JsonObject().put("event", "owner")
                .put("platform_id", platformId).put("node_id", cluster.nodeId()).put("epoch", lease));
          }
        });
  }

  private void stepDown(long gen, String why) {
    if (gen != generation || !leading) {
      return;
    }
    generation++;
    leading = false;
    LOG.info("satori holder stopped id={} node={} reason={}", platformId, cluster.nodeName(), why);
    disconnect();
    MessageConsumer<JsonObject> c = sends;
    MessageConsumer<JsonObject> d = directSends;
    sends = null;
    directSends = null;
    if (c != null) {
      c.unregister();
    }
    if (d != null) {
      d.unregister();
    }
    JsonObject mine = entry;
    entry = null;
    if (mine != null) {
      vertx.sharedData().<String, JsonObject>getAsyncMap(Addresses.PLATFORM_CONNECTIONS_MAP)
          .compose(m -> m.removeIfPresent(platformId, mine))
          .onSuccess(removed -> vertx.eventBus().publish(Addresses.PLATFORM_OWNERSHIP, new JsonObject()
              .put("event", "vacant").put("platform_id", platformId).put("node_id", mine.getString("node_id"))));
    }
    Lock l = lock;
    lock = null;
    if (l != null) {
      l.release();
    }
    if (!stopped) {
      retryTimer = vertx.setTimer(RETRY_MS, t -> tryLead());
    }
  }

  // ---- the event connection ---------------------------------------------------------------------------------

  private void connect(long gen) {
    reconnectTimer = -1;
    if (gen != generation || stopped) {
      return;
    }
    long conn = ++connection;
    wsClient.connect(new WebSocketConnectOptions().setAbsoluteURI(options.endpoint())).onComplete(ar -> {
      if (ar.failed()) {
        if (gen == generation && conn == connection) {
          LOG.warn("satori connect failed id={} reason={}", platformId, ar.cause().getMessage());
          reconnect(gen, conn);
        }
        return;
      }
      WebSocket socket = ar.result();
      if (gen != generation || conn != connection || stopped) {
        socket.close();
        return;
      }
      ws = socket;
      lastFrameAt = System.currentTimeMillis();
      socket.textMessageHandler(text -> onFrame(gen, conn, text));
      socket.exceptionHandler(err -> LOG.warn("satori socket error id={} reason={}", platformId, err.getMessage()));
      socket.closeHandler(v -> onClosed(gen, conn));
      JsonObject identify = new JsonObject();
      if (!options.token().isEmpty()) {
        identify.put("token", options.token());
      }
      if (sn > 0) {
        identify.put("sn", sn);
      }
      socket.writeTextMessage(new JsonObject().put("op", OP_IDENTIFY).put("body", identify).encode());
      long everyMs = options.heartbeatSeconds() * 1000;
      pingTimer = vertx.setPeriodic(everyMs, t -> heartbeat(conn, everyMs));
    });
  }

  private void heartbeat(long conn, long everyMs) {
    WebSocket socket = ws;
    if (conn != connection || socket == null) {
      return;
    }
    if (System.currentTimeMillis() - lastFrameAt > MISSED_HEARTBEATS * everyMs) {
      LOG.warn("satori connection silent, closing id={} silent_ms={}", platformId, System.currentTimeMillis() - lastFrameAt);
      socket.close();
      return;
    }
    socket.writeTextMessage(new JsonObject().put("op", OP_PING).put("body", new JsonObject()).encode());
  }

  private void onClosed(long gen, long conn) {
    if (conn != connection) {
      return;
    }
    LOG.info("satori connection closed id={} sn={}", platformId, sn);
    ws = null;
    ready = false;
    cancelPing();
    reconnect(gen, conn);
  }

  private void reconnect(long gen, long conn) {
    if (gen != generation || conn != connection || stopped) {
      return;
    }
    if (!options.autoReconnect()) {
      LOG.warn("satori not reconnecting id={} reason=satori_auto_reconnect_off", platformId);
      return;
    }
    long delay = options.reconnectDelayMs(++attempts);
    reconnectTimer = vertx.setTimer(delay, t -> connect(gen));
  }

  private void cancelPing() {
    if (pingTimer >= 0) {
      vertx.cancelTimer(pingTimer);
      pingTimer = -1;
    }
  }

  private void disconnect() {
    connection++;
    cancelPing();
    if (reconnectTimer >= 0) {
      vertx.cancelTimer(reconnectTimer);
      reconnectTimer = -1;
    }
    ready = false;
    WebSocket socket = ws;
    ws = null;
    if (socket != null) {
      socket.close();
    }
  }

  private void onFrame(long gen, long conn, String text) {
    if (gen != generation || conn != connection) {
      return;
    }
    lastFrameAt = System.currentTimeMillis();
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      LOG.warn("satori frame not json id={} length={}", platformId, text.length());
      return;
    }
    JsonObject body = frame.getValue("body") instanceof JsonObject b ? b : new JsonObject();
    Object op = frame.getValue("op");
    if (!(op instanceof Number n)) {
      return;
    }
    switch (n.intValue()) {
      case OP_READY -> onReady(body);
      case OP_EVENT -> onEvent(gen, body);
      default -> {
        // PONG and META: the connection is alive, which lastFrameAt recorded
      }
    }
  }

  private void onReady(JsonObject body) {
    List<JsonObject> list = new ArrayList<>();
    if (body.getValue("logins") instanceof JsonArray all) {
      for (Object o : all) {
        if (o instanceof JsonObject l && selfId(l) != null) {
          list.add(l);
        }
      }
    }
    // A READY without a usable login keeps the ones we know: sends still need an account to go out as.
    if (!list.isEmpty()) {
      logins = List.copyOf(list);
    }
    ready = true;
    attempts = 0;
    LOG.info("satori ready id={} logins={} sn={}", platformId,
        list.stream().map(l -> PyText.str(l.getValue("platform")) + "/" + selfId(l)).toList(), sn);
  }

  /** The event's sequence number: {@code sn}, or {@code id} from servers of the older generation. */
  static Long sequence(JsonObject event) {
    Object v = event.containsKey("sn") ? event.getValue("sn") : event.getValue("id");
    return v instanceof Number n ? n.longValue() : null;
  }

  private void onEvent(long gen, JsonObject event) {
    Long seq = sequence(event);
    boolean message = "message-created".equals(event.getValue("type"));
    if (seq == null) {
      // Login events carry no sequence and take no part in resuming.
      if (message) {
        dispatch(gen, -1, event);
      }
      return;
    }
    if (seq == sn || pending.containsKey(seq)) {
      LOG.debug("satori duplicate event skipped id={} sn={}", platformId, seq);
      return;
    }
    if (seq < sn) {
      // Sequences only grow on one server; a lower one means it restarted and counts again.
      LOG.info("satori server sequence restarted id={} sn={} was={}", platformId, seq, sn);
    }
    sn = seq;
    dirty = true;
    if (message) {
      pending.put(seq, event);
    }
    // Nothing is handled before it is stored: a node that dies now leaves it to the next holder.
    flush(gen).onSuccess(v -> dispatchStored(gen)).onFailure(err -> retryFlush(gen, err));
  }

  private void retryFlush(long gen, Throwable err) {
    if (gen == generation && !"lease lost".equals(err.getMessage())) {
      LOG.warn("satori sn commit failed id={} reason={}", platformId, err.getMessage());
      vertx.setTimer(RETRY_MS, t -> flush(gen).onSuccess(v -> dispatchStored(gen)).onFailure(e -> retryFlush(gen, e)));
    }
  }

  /** Writes {@code {sn, pending}} under our lease; coalesces: at most one commit queued behind the running one. */
  private Future<Void> flush(long gen) {
    if (commitQueued) {
      return commitTail;
    }
    commitQueued = true;
    commitTail = commitTail.transform(ignored -> {
      commitQueued = false;
      if (gen != generation) {
        return Future.failedFuture("not the holder any more");
      }
      if (!dirty) {
        return Future.succeededFuture();
      }
      dirty = false;
      List<Long> snapshot = new ArrayList<>(pending.keySet());
      JsonObject value = new JsonObject().put("sn", sn).put("pending", new JsonArray(new ArrayList<>(pending.values())));
      return store.putIfLease(SCOPE, platformId, KEY, lease, value).transform(ar -> {
        if (ar.failed()) {
          dirty = true;
          return Future.failedFuture(ar.cause());
        }
        if (!ar.result()) {
          stepDown(gen, "lease taken by another node");
          return Future.failedFuture("lease lost");
        }
        snapshot.forEach(seq -> {
          if (pending.containsKey(seq)) {
            stored.add(seq);
          }
        });
        return Future.succeededFuture();
      });
    });
    return commitTail;
  }

  /** Hands every stored, not yet started event to its channel's queue, in sequence order. */
  private void dispatchStored(long gen) {
    for (Map.Entry<Long, JsonObject> e : new ArrayList<>(pending.entrySet())) {
      if (stored.contains(e.getKey()) && started.add(e.getKey())) {
        dispatch(gen, e.getKey(), e.getValue());
      }
    }
  }

  private void dispatch(long gen, long seq, JsonObject event) {
    String key = event.getValue("channel") instanceof JsonObject c ? PyText.str(c.getValue("id")) : "-";
    chats.submit(key, () -> handle(event)).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("satori event failed id={} sn={} reason={}", platformId, seq, ar.cause().getMessage());
      }
      if (gen == generation && seq >= 0) {
        pending.remove(seq);
        started.remove(seq);
        stored.remove(seq);
        dirty = true;
        flush(gen).onFailure(err -> retryFlush(gen, err));
      }
    });
  }

  // ---- inbound ----------------------------------------------------------------------------------------------

  /** The bot account an event belongs to: {@code login}, or {@code platform}/{@code self_id} of older servers. */
  static JsonObject loginOf(JsonObject event) {
    if (event.getValue("login") instanceof JsonObject l && selfId(l) != null) {
      return l;
    }
    return new JsonObject().put("platform", event.getValue("platform")).put("self_id", event.getValue("self_id"));
  }

  static String selfId(JsonObject login) {
    if (login.getValue("user") instanceof JsonObject u && u.getValue("id") != null) {
      return PyText.str(u.getValue("id"));
    }
    return login.getValue("self_id") == null ? null : PyText.str(login.getValue("self_id"));
  }

  private Future<Void> handle(JsonObject event) {
    JsonObject login = loginOf(event);
    String selfId = selfId(login);
    JsonObject user = event.getValue("user") instanceof JsonObject u ? u : new JsonObject();
    JsonObject channel = event.getValue("channel") instanceof JsonObject c ? c : new JsonObject();
    JsonObject msg = event.getValue("message") instanceof JsonObject m ? m : new JsonObject();
    String userId = user.getValue("id") == null ? "" : PyText.str(user.getValue("id"));
    if (channel.getValue("id") == null || userId.equals(selfId)) {
      return Future.succeededFuture();
    }
    String sessionId = PyText.str(channel.getValue("id"));
    channelLogins.put(sessionId, login);
    String guildId = event.getValue("guild") instanceof JsonObject g && g.getValue("id") != null
        && !PyText.str(g.getValue("id")).isEmpty() ? PyText.str(g.getValue("id")) : null;
    boolean group = guildId != null;
    JsonArray parts = SatoriElements.decode(msg.getValue("content") instanceof String s ? s : "");
    if (msg.getValue("quote") instanceof JsonObject q && q.getValue("id") != null
        && parts.stream().noneMatch(p -> "reply".equals(((JsonObject) p).getString("type")))) {
      parts.add(0, new JsonObject().put("type", "reply").put("message_id", PyText.str(q.getValue("id")))
          .put("selected_text", MessageParts.plainText(SatoriElements.decode(q.getString("content", "")))));
    }
    boolean mentioned = selfId != null && parts.stream().anyMatch(p -> "at".equals(((JsonObject) p).getString("type"))
        && selfId.equals(((JsonObject) p).getString("user_id")));
    String rawText = MessageParts.plainText(parts);
    WakeRule.Verdict verdict = wake.check(group, mentioned, rawText);
    if (!verdict.wake()) {
      return Future.succeededFuture();
    }
    String messageType = group ? Umo.GROUP : Umo.FRIEND;
    String umo = Umo.of(platformId, messageType, sessionId);
    Object ts = event.getValue("timestamp");
    JsonObject inbound = new JsonObject()
        .put("platform_id", platformId)
        .put("platform_type", TYPE)
        .put("umo", umo)
        .put("message_type", messageType)
        .put("session_id", sessionId)
        .put("event_id", platformId + ":" + (sequence(event) != null ? sequence(event) : PyText.str(msg.getValue("id"))))
        .put("message_id", msg.getValue("id") == null ? "" : PyText.str(msg.getValue("id")))
        .put("self_id", selfId)
        .put("sender", new JsonObject().put("user_id", userId)
            .put("nickname", user.getValue("nick") instanceof String n ? n : PyText.str(user.getValue("name"))))
        .put("group_id", guildId)
        .put("text", verdict.text())
        .put("raw_text", rawText)
        .put("parts", parts)
        .put("mentioned", mentioned)
        // Satori stamps events in milliseconds; the inbound message carries seconds like the other adapters.
        .put("timestamp", ts instanceof Number t ? t.longValue() / 1000 : System.currentTimeMillis() / 1000);
    return chat.ask(inbound).compose(answer -> answer.isEmpty() ? Future.succeededFuture()
        : deliver(new JsonObject().put("umo", umo).put("message_type", messageType).put("session_id", sessionId)
            .put("parts", answer), login).mapEmpty());
  }

  // ---- outbound ---------------------------------------------------------------------------------------------

  private void onSend(Message<JsonObject> msg) {
    JsonObject body = msg.body();
    if (body != null && body.getBoolean("probe", false)) {
      msg.reply(new JsonObject().put("ok", true));
      return;
    }
    deliver(body == null ? new JsonObject() : body, null).onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(ar.result());
      } else {
        msg.fail(SendFailure.codeOf(ar.cause()), String.valueOf(ar.cause().getMessage()));
      }
    });
  }

  /**
   * One message.create to the channel named by the session id. The login is the one the message came in on
   * (replies), else the last login seen in that channel, else the first login of READY (AstrBot's choice).
   */
  Future<JsonObject> deliver(JsonObject send, JsonObject viaLogin) {
    String channelId = send.getString("session_id", "");
    JsonObject login = viaLogin != null ? viaLogin : channelLogins.get(channelId);
    if (login == null && !logins.isEmpty()) {
      login = logins.get(0);
    }
    if (login == null) {
      return Future.failedFuture(SendFailure.refused("satori server has not announced any login yet"));
    }
    JsonObject account = login;
    JsonArray parts = send.getJsonArray("parts", new JsonArray());
    return Attachments.load(store, parts, options.attachmentMaxBytes()).compose(files -> {
      String content = SatoriElements.encode(parts, files);
      if (content.isEmpty()) {
        return Future.failedFuture(new SendFailure(SendFailure.INVALID, "message has nothing Satori can send"));
      }
      return post("/message.create", account, new JsonObject().put("channel_id", channelId).put("content", content));
    }).map(result -> {
      Object id = result instanceof JsonArray a && !a.isEmpty() && a.getValue(0) instanceof JsonObject first
          ? first.getValue("id") : null;
      return new JsonObject().put("ok", true).put("message_id", id);
    });
  }

  /** An API call as the given login, with both header generations so old and new servers accept it. */
  private Future<Object> post(String path, JsonObject login, JsonObject body) {
    String platform = login.getValue("platform") == null ? "" : PyText.str(login.getValue("platform"));
    String self = selfId(login);
    var req = http.postAbs(options.apiBaseUrl() + path).timeout(CALL_TIMEOUT_MS)
        .putHeader("Content-Type", "application/json")
        .putHeader("Satori-Platform", platform).putHeader("Satori-User-ID", self)
        .putHeader("X-Platform", platform).putHeader("X-Self-ID", self);
    if (!options.token().isEmpty()) {
      req.putHeader("Authorization", "Bearer " + options.token());
    }
    return req.sendJsonObject(body)
        .recover(err -> Future.failedFuture(SendFailure.refused(err.getMessage() == null ? err.toString() : err.getMessage())))
        .compose(this::answer);
  }

  private Future<Object> answer(HttpResponse<Buffer> resp) {
    String text = resp.bodyAsString() == null ? "" : resp.bodyAsString().strip();
    if (resp.statusCode() / 100 != 2) {
      String words = text.isEmpty() ? resp.statusMessage() : text.length() > 500 ? text.substring(0, 500) : text;
      return Future.failedFuture(SendFailure.refused("satori " + resp.statusCode() + ": " + words));
    }
    if (text.isEmpty()) {
      return Future.succeededFuture(new JsonArray());
    }
    try {
      return Future.succeededFuture(io.vertx.core.json.Json.decodeValue(text));
    } catch (DecodeException e) {
      return Future.succeededFuture(new JsonArray());
    }
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    hub.unregister(platformId);
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
    }
    stepDown(generation, "node stopping");
    disconnect();
    http.close();
    return wsClient.close();
  }
}
