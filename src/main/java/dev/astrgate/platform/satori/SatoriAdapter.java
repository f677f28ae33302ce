package dev.astrgate.platform.satori;

import dev.astrgate.cluster.ClusterInfo;
import dev.astrgate.platform.Attachments;
import dev.astrgate.platform.ChatBridge;
import dev.astrgate.platform.InboundMessage;
import dev.astrgate.platform.PlatformAdapter;
import dev.astrgate.platform.PlatformEnv;
import dev.astrgate.platform.SendFailure;
import dev.astrgate.platform.SendRequest;
import dev.astrgate.platform.SerialQueue;
import dev.astrgate.platform.route.FencedHolder;
import dev.astrgate.platform.route.PlatformRouting;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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
 * node per platform id, the {@link FencedHolder} of the cluster lock {@code platform.<id>.poller}; the other nodes
 * retry every second.
 * Events come over {@link SatoriConnection}; sends are {@code POST <satori_api_base_url>/message.create} with both
 * header generations.
 *
 * <p>Exactly-once across reconnects and failover: a received message event is written to PostgreSQL
 * ({@code preferences}, scope {@code platform}, key {@code satori_sn}, value {@code {sn, pending: [events], lease}})
 * before it is handled, and leaves {@code pending} once its answer was sent. A new holder first finishes what is
 * pending, then IDENTIFYs with the stored {@code sn}, so the server replays exactly what nobody has seen. The
 * {@code lease}, raised by every new holder, fences off a deposed one's writes.
 */
public final class SatoriAdapter implements PlatformAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(SatoriAdapter.class);
  public static final String TYPE = "satori";
  static final String KEY = "satori_sn";
  private static final long RETRY_MS = 1_000;
  private static final long CALL_TIMEOUT_MS = 30_000;

  private final PlatformEnv env;
  private final Vertx vertx;
  private final SatoriOptions options;
  private final String platformId;
  private final ClusterInfo cluster;
  private final PlatformRouting routing;
  private final StoreClient store;
  private final FencedHolder holder;
  private final ChatBridge chat;
  private final SatoriCodec codec;
  private final WebClient http;
  private final WebSocketClient wsClient;
  private final SatoriConnection connection;
  private final Map<Long, JsonObject> pending = new LinkedHashMap<>();
  private final Set<Long> started = new HashSet<>();
  /** Pending events already in PostgreSQL; only those may be handled. */
  private final Set<Long> stored = new HashSet<>();
  private final Map<String, JsonObject> channelLogins = new HashMap<>();
  private final SerialQueue chats = new SerialQueue();
  private long sn;
  private List<JsonObject> logins = List.of();

  public SatoriAdapter(PlatformEnv env) {
    this.env = env;
    this.vertx = env.vertx();
    this.options = SatoriOptions.of(env.entry());
    this.platformId = env.platformId();
    this.cluster = env.cluster();
    this.routing = env.routing();
    this.store = env.store();
    this.chat = env.chat();
    this.codec = new SatoriCodec(platformId, env.wake());
    this.http = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true).setConnectTimeout(10_000)
        .setUserAgent("astrgate"));
    this.wsClient = vertx.createWebSocketClient(new WebSocketClientOptions().setConnectTimeout(10_000)
        .setMaxFrameSize(16 * 1024 * 1024).setMaxMessageSize(64 * 1024 * 1024));
    this.connection = new SatoriConnection(vertx, wsClient, options, () -> sn, this::onReady, this::onEvent);
    this.holder = new FencedHolder(vertx, platformId, KEY, store, routing, env::context, this::deliver, new Holding(),
        LOG, "satori holder");
  }

  @Override
  public Future<Void> start() {
    if (!options.endpoint().startsWith("ws://") && !options.endpoint().startsWith("wss://")) {
      LOG.warn("platform not started id={} type={} reason=satori_endpoint_not_websocket", platformId, TYPE);
      return Future.succeededFuture();
    }
    LOG.info("platform started id={} type={} node={} endpoint={}", platformId, TYPE, cluster.nodeName(),
        options.endpoint());
    holder.start();
    return Future.succeededFuture();
  }

  /** {@code owner} once READY, {@code connecting} while holding the platform without a ready connection. */
  @Override
  public String state() {
    if (!holder.leading()) {
      return "standby";
    }
    return connection.ready() ? "owner" : "connecting";
  }

  /** The lock is what counts: the holder takes sends even while its event socket redials. */
  @Override
  public boolean holds() {
    return holder.leading();
  }

  // ---- holdership -------------------------------------------------------------------------------------------

  /** The {@code satori_sn} row: {@code {sn, pending}}; the connection opens once what was pending is dispatched. */
  private final class Holding implements FencedHolder.Held {
    @Override
    public JsonObject initial() {
      return new JsonObject().put("sn", 0L).put("pending", new JsonArray());
    }

    @Override
    public void restore(JsonObject state) {
      sn = state.getLong("sn", 0L);
      pending.clear();
      started.clear();
      stored.clear();
      for (Object o : state.getJsonArray("pending", new JsonArray())) {
        Long seq = o instanceof JsonObject e ? SatoriCodec.sequence(e) : null;
        if (seq != null) {
          pending.put(seq, (JsonObject) o);
          stored.add(seq);
        }
      }
    }

    @Override
    public FencedHolder.Write capture() {
      List<Long> snapshot = new ArrayList<>(pending.keySet());
      JsonObject value = new JsonObject().put("sn", sn).put("pending", new JsonArray(new ArrayList<>(pending.values())));
      // Only what this very write contained counts as stored (an event that came in meanwhile waits for the next).
      return new FencedHolder.Write(value, () -> snapshot.forEach(seq -> {
        if (pending.containsKey(seq)) {
          stored.add(seq);
        }
      }));
    }

    @Override
    public void resume(long gen) {
      LOG.info("satori holder active id={} node={} lease={} sn={} pending={}", platformId, cluster.nodeName(),
          holder.lease(), sn, pending.size());
      // Events a previous holder stored but did not finish go first; the server replays what follows sn.
      dispatchStored(gen);
      connection.open();
    }

    @Override
    public void release() {
      connection.close();
    }
  }

  // ---- events -----------------------------------------------------------------------------------------------

  private void onReady(JsonObject body) {
    List<JsonObject> list = new ArrayList<>();
    if (body.getValue("logins") instanceof JsonArray all) {
      for (Object o : all) {
        if (o instanceof JsonObject l && SatoriCodec.selfId(l) != null) {
          list.add(l);
        }
      }
    }
    // A READY without a usable login keeps the ones we know: sends still need an account to go out as.
    if (!list.isEmpty()) {
      logins = List.copyOf(list);
    }
    LOG.info("satori ready id={} logins={} sn={}", platformId,
        list.stream().map(l -> SatoriCodec.platformOf(l) + "/" + SatoriCodec.selfId(l)).toList(), sn);
  }

  private void onEvent(JsonObject event) {
    long gen = holder.generation();
    if (!holder.leading()) {
      return;
    }
    Long seq = SatoriCodec.sequence(event);
    boolean message = SatoriCodec.MESSAGE_CREATED.equals(event.getValue("type"));
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
    holder.markDirty();
    if (message) {
      pending.put(seq, event);
    }
    // Nothing is handled before it is stored: a node that dies now leaves it to the next holder.
    holder.flush(gen).onSuccess(v -> dispatchStored(gen)).onFailure(err -> retryFlush(gen, err));
  }

  private void retryFlush(long gen, Throwable err) {
    if (holder.current(gen) && !"lease lost".equals(err.getMessage())) {
      LOG.warn("satori sn commit failed id={} reason={}", platformId, err.getMessage());
      vertx.setTimer(RETRY_MS, t -> holder.flush(gen).onSuccess(v -> dispatchStored(gen)).onFailure(e -> retryFlush(gen, e)));
    }
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
    String channel = SatoriCodec.channelOf(event);
    chats.submit(channel == null ? "-" : channel, () -> handle(event)).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("satori event failed id={} sn={} reason={}", platformId, seq, ar.cause().getMessage());
      }
      if (gen == holder.generation() && seq >= 0) {
        pending.remove(seq);
        started.remove(seq);
        stored.remove(seq);
        holder.markDirty();
        holder.flush(gen).onFailure(err -> retryFlush(gen, err));
      }
    });
  }

  private Future<Void> handle(JsonObject event) {
    InboundMessage in = codec.inbound(event);
    if (in == null) {
      return Future.succeededFuture();
    }
    JsonObject login = SatoriCodec.loginOf(event);
    channelLogins.put(in.sessionId(), login);
    return chat.ask(in).compose(parts -> parts.isEmpty() ? Future.succeededFuture()
        : send(in.reply(parts), login).mapEmpty());
  }

  // ---- sends ------------------------------------------------------------------------------------------------

  @Override
  public Future<SendRequest.Result> deliver(SendRequest send) {
    return send(send, null);
  }

  /**
   * One message.create to the channel named by the session id. The login is the one the message came in on
   * (replies), else the last login seen in that channel, else the first login of READY (AstrBot's choice).
   */
  private Future<SendRequest.Result> send(SendRequest send, JsonObject viaLogin) {
    JsonObject login = viaLogin != null ? viaLogin : channelLogins.get(send.sessionId());
    if (login == null && !logins.isEmpty()) {
      login = logins.get(0);
    }
    if (login == null) {
      return Future.failedFuture(SendFailure.refused("satori server has not announced any login yet"));
    }
    JsonObject account = login;
    return Attachments.load(store, send.parts(), options.attachmentMaxBytes()).compose(files -> {
      String content = SatoriElements.encode(send.parts(), files);
      if (content.isEmpty()) {
        return Future.failedFuture(new SendFailure(SendFailure.INVALID, "message has nothing Satori can send"));
      }
      return post("/message.create", account,
          new JsonObject().put("channel_id", send.sessionId()).put("content", content));
    }).map(result -> new SendRequest.Result(result instanceof JsonArray a && !a.isEmpty()
        && a.getValue(0) instanceof JsonObject first ? first.getValue("id") : null));
  }

  /** An API call as the given login, with both header generations so old and new servers accept it. */
  private Future<Object> post(String path, JsonObject login, JsonObject body) {
    String platform = SatoriCodec.platformOf(login);
    String self = SatoriCodec.selfId(login);
    var req = http.postAbs(options.apiBaseUrl() + path).timeout(CALL_TIMEOUT_MS)
        .putHeader("Content-Type", "application/json")
        .putHeader("Satori-Platform", platform).putHeader("Satori-User-ID", self)
        .putHeader("X-Platform", platform).putHeader("X-Self-ID", self);
    if (!options.token().isEmpty()) {
      req.putHeader("Authorization", "Bearer " + options.token());
    }
    return req.sendJsonObject(body)
        .recover(err -> Future.failedFuture(SendFailure.refused(err.getMessage() == null ? err.toString() : err.getMessage())))
        .compose(SatoriAdapter::answer);
  }

  /** A 2xx answer's JSON (a list of messages for message.create); anything else fails with the server's words. */
  private static Future<Object> answer(HttpResponse<Buffer> resp) {
    String text = resp.bodyAsString() == null ? "" : resp.bodyAsString().strip();
    if (resp.statusCode() / 100 != 2) {
      String words = text.isEmpty() ? resp.statusMessage() : text.length() > 500 ? text.substring(0, 500) : text;
      return Future.failedFuture(SendFailure.refused("satori " + resp.statusCode() + ": " + words));
    }
    try {
      return Future.succeededFuture(text.isEmpty() ? new JsonArray() : Json.decodeValue(text));
    } catch (DecodeException e) {
      return Future.succeededFuture(new JsonArray());
    }
  }

  @Override
  public Future<Void> stop() {
    holder.stop();
    connection.close();
    http.close();
    return wsClient.close();
  }
}
