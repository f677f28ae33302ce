package dev.astrgate.platform.onebot;

import dev.astrgate.cluster.ClusterInfo;
import dev.astrgate.platform.Attachments;
import dev.astrgate.platform.ChatBridge;
import dev.astrgate.platform.InboundMessage;
import dev.astrgate.platform.PlatformAdapter;
import dev.astrgate.platform.PlatformConfig;
import dev.astrgate.platform.PlatformEnv;
import dev.astrgate.platform.PlatformHub;
import dev.astrgate.py.PyText;
import dev.astrgate.platform.SendRequest;
import dev.astrgate.platform.SerialQueue;
import dev.astrgate.platform.Umo;
import dev.astrgate.platform.WakeRule;
import dev.astrgate.platform.route.InboundOwnership;
import dev.astrgate.store.AttachmentRepository.AttachmentBytes;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code aiocqhttp} platform: a OneBot v11 reverse WebSocket server for NapCat, Lagrange, LLOneBot and the like.
 * Protocol ends dial {@code /platform/<id>/ws} on the node's HTTP port, or any path on {@code ws_reverse_port} when
 * set. Connection ownership across the cluster is {@link InboundOwnership}'s job.
 */
public final class OneBotAdapter implements PlatformAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(OneBotAdapter.class);
  public static final String TYPE = "aiocqhttp";
  static final long DEFAULT_API_TIMEOUT_MS = 10_000;

  private final JsonObject entry;
  private final String platformId;
  private final String token;
  private final long apiTimeoutMs;
  private final long attachmentMaxBytes;
  private final WakeRule wake;
  private final PlatformHub hub;
  private final ClusterInfo cluster;
  private final Vertx vertx;
  private final Set<OneBotConnection> connections = ConcurrentHashMap.newKeySet();
  private final InboundOwnership ownership;
  private final StoreClient store;
  private final ChatBridge chat;
  private HttpServer extraServer;

  public OneBotAdapter(PlatformEnv env) {
    JsonObject entry = env.entry();
    this.entry = entry;
    this.vertx = env.vertx();
    this.store = env.store();
    this.chat = env.chat();
    this.platformId = entry.getString("id");
    this.token = PlatformConfig.string(entry, "ws_reverse_token", "");
    this.apiTimeoutMs = PlatformConfig.number(entry, "api_timeout_seconds", DEFAULT_API_TIMEOUT_MS / 1000) * 1000;
    this.attachmentMaxBytes = PlatformConfig.number(entry, "attachment_max_bytes", Attachments.DEFAULT_MAX_BYTES);
    this.wake = env.wake();
    this.hub = env.hub();
    this.cluster = env.cluster();
    this.ownership = new InboundOwnership(vertx, env.context(), platformId, env.routing());
  }

  String id() {
    return platformId;
  }

  @Override
  public Future<Void> start() {
    return ownership.start().compose(v -> listenExtra()).onSuccess(v -> {
      hub.endpoint(platformId, this::handshake);
      LOG.info("platform started id={} type={} path=/platform/{}/ws auth={}", platformId, TYPE, platformId,
          token.isEmpty() ? "none" : "token");
    });
  }

  /** {@code ws_reverse_port}, when set: every node of a cluster on one host cannot bind it, so failure only warns. */
  private Future<Void> listenExtra() {
    long port = PlatformConfig.number(entry, "ws_reverse_port", 0);
    if (port <= 0) {
      return Future.succeededFuture();
    }
    String host = PlatformConfig.string(entry, "ws_reverse_host", "0.0.0.0");
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort((int) port));
    server.requestHandler(this::handshake);
    return server.listen().map(s -> {
      extraServer = s;
      LOG.info("platform listening id={} host={} port={}", platformId, host, port);
      return (Void) null;
    }).recover(err -> {
      LOG.warn("platform port unavailable id={} host={} port={} reason={}", platformId, host, port, err.toString());
      return Future.succeededFuture();
    });
  }

  /** Checks the access token (constant time), role and self id before upgrading; refusals never reach the socket. */
  void handshake(HttpServerRequest req) {
    String remote = String.valueOf(req.remoteAddress());
    if (!token.isEmpty()) {
      String given = presentedToken(req);
      if (given == null) {
        refuse(req, 401, "missing access token", "token_missing", remote);
        return;
      }
      if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
        refuse(req, 403, "invalid access token", "token_invalid", remote);
        return;
      }
    }
    String role = req.getHeader("X-Client-Role");
    if (role != null && !role.isBlank() && !role.strip().equalsIgnoreCase("Universal")) {
      refuse(req, 400, "only the Universal client role is supported", "role_" + role.strip(), remote);
      return;
    }
    String selfId = req.getHeader("X-Self-ID");
    if (selfId == null || selfId.isBlank()) {
      refuse(req, 400, "missing X-Self-ID", "self_id_missing", remote);
      return;
    }
    if (!"websocket".equalsIgnoreCase(req.getHeader("Upgrade"))) {
      refuse(req, 400, "expected a WebSocket upgrade", "not_upgrade", remote);
      return;
    }
    req.toWebSocket().onSuccess(ws -> {
      OneBotConnection conn = new OneBotConnection(this, vertx, ws, UUID.randomUUID().toString(), selfId.strip());
      connections.add(conn);
      conn.start();
      LOG.info("onebot connection opened id={} node={} connection={} self_id={} remote={}", platformId,
          cluster.nodeName(), conn.id(), conn.selfId(), remote);
      ownership.opened(conn);
    }).onFailure(err -> LOG.warn("onebot upgrade failed id={} remote={} reason={}", platformId, remote, err.toString()));
  }

  /** {@code Authorization: Bearer <t>} or {@code Token <t>}, else {@code ?access_token=}. */
  static String presentedToken(HttpServerRequest req) {
    String authz = req.getHeader("Authorization");
    if (authz != null) {
      String a = authz.strip();
      for (String scheme : new String[] {"Bearer ", "Token "}) {
        if (a.regionMatches(true, 0, scheme, 0, scheme.length())) {
          return a.substring(scheme.length()).strip();
        }
      }
    }
    String q = req.getParam("access_token");
    return q == null || q.isEmpty() ? null : q;
  }

  private void refuse(HttpServerRequest req, int status, String message, String reason, String remote) {
    LOG.warn("onebot handshake refused id={} status={} reason={} remote={}", platformId, status, reason, remote);
    req.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("status", "error").put("message", message).encode());
  }

  void onClosed(OneBotConnection conn) {
    connections.remove(conn);
    ownership.closed(conn);
  }

  /** A private or group message event: wake check, then the chat pipeline, then its answer back to the same chat. */
  void onMessage(OneBotConnection conn, JsonObject event, SerialQueue sessions) {
    String type = PyText.str(event.getValue("message_type"));
    boolean group = "group".equals(type);
    if (!group && !"private".equals(type)) {
      return;
    }
    OneBotCodec.Inbound read = OneBotCodec.read(OneBotCodec.segments(event.getValue("message")), conn.selfId());
    WakeRule.Verdict verdict = wake.check(group, read.mentioned(), read.text());
    if (!verdict.wake()) {
      return;
    }
    JsonObject sender = event.getValue("sender") instanceof JsonObject s ? s : new JsonObject();
    String userId = PyText.str(event.getValue("user_id", sender.getValue("user_id")));
    String sessionId = group ? PyText.str(event.getValue("group_id")) : userId;
    String messageType = group ? Umo.GROUP : Umo.FRIEND;
    String umo = Umo.of(platformId, messageType, sessionId);
    String messageId = PyText.str(event.getValue("message_id"));
    InboundMessage inbound = InboundMessage.of(platformId, TYPE, messageType, sessionId, messageId, conn.selfId(),
        userId, PyText.str(sender.getValue("card") instanceof String c && !c.isEmpty() ? c
            : sender.getValue("nickname", "")), verdict.text(), read.text(), read.parts(), read.mentioned(),
        event.getValue("time"));
    sessions.submit(umo, () -> chat.ask(inbound).compose(parts -> parts.isEmpty() ? Future.succeededFuture()
        : deliver(conn, inbound.reply(parts)).mapEmpty()))
        .onFailure(err -> LOG.warn("onebot reply failed id={} umo={} reason={}", platformId, umo, err.getMessage()));
  }

  /** A send on this connection: attachments inline as base64, then send_private_msg or send_group_msg. */
  Future<SendRequest.Result> deliver(OneBotConnection conn, SendRequest send) {
    JsonArray parts = send.parts();
    String sessionId = send.sessionId();
    boolean group = send.group();
    // For groups upstream takes the part after the last '_' (unique-session ids are <user>_<group>).
    String target = group ? sessionId.substring(sessionId.lastIndexOf('_') + 1) : sessionId;
    return Attachments.load(store, parts, attachmentMaxBytes).compose(files -> {
      JsonArray message = new JsonArray();
      for (Object o : parts) {
        message.add(OneBotCodec.segment(inline((JsonObject) o, files)));
      }
      JsonObject params = group ? new JsonObject().put("group_id", OneBotCodec.id(target))
          : new JsonObject().put("user_id", OneBotCodec.id(target));
      params.put("message", message);
      return conn.call(group ? "send_group_msg" : "send_private_msg", params, apiTimeoutMs);
    }).map(data -> new SendRequest.Result(data.getValue("message_id")));
  }

  private static JsonObject inline(JsonObject part, Map<String, AttachmentBytes> files) {
    if (part.getValue("attachment_id") instanceof String id && files.containsKey(id)) {
      return part.copy().put("file", "base64://" + Base64.getEncoder().encodeToString(files.get(id).data().getBytes()));
    }
    if (part.getValue("url") instanceof String url && part.getValue("file") == null) {
      return part.copy().put("file", url);
    }
    return part;
  }

  /** A send from another part of the node: on the connection that owns the platform. */
  @Override
  public Future<SendRequest.Result> deliver(SendRequest send) {
    return ownership.deliver(send);
  }

  @Override
  public String state() {
    return ownership.state();
  }

  @Override
  public Future<Void> stop() {
    return ownership.stop().transform(ignored -> {
      connections.forEach(OneBotConnection::close);
      return extraServer == null ? Future.<Void>succeededFuture() : extraServer.close();
    });
  }
}
