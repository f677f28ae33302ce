package dev.astrgate.chat;

import dev.astrgate.platform.webchat.Webchat;
import dev.astrgate.py.PyText;
import dev.astrgate.message.MessageParts;
import dev.astrgate.config.ConfFile;
import dev.astrgate.config.ConfSet;
import dev.astrgate.store.ChatOps;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The validate stage of POST /api/v1/chat: every check of ASTRBOT.md §5.1 with upstream's messages, all of
 * them before anything is written (Part A.2). Reads only.
 */
public final class ChatIntake {

  private static final int CREATORS_KEPT = 10_000;

  private final StoreClient store;
  private final ConfSet confs;
  /**
   * Creators of sessions this intake has read or written, most recent last. Sessions are never deleted and their
   * creator never changes, so a known session's next turn checks ownership without a database round trip. An
   * intake belongs to one HTTP verticle, so only its event loop touches this map.
   */
  private final Map<String, String> creators = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > CREATORS_KEPT;
    }
  };

  public ChatIntake(StoreClient store, ConfSet confs) {
    this.store = store;
    this.confs = confs;
  }

  /** The configs turns may run under. */
  public ConfSet confs() {
    return confs;
  }

  /** Username as upstream reads it: {@code str(username).strip()}; throws for missing or blank. */
  public static String username(JsonObject body) {
    Object raw = body.getValue("username");
    if (raw == null) {
      throw new TurnRejected(400, "Missing key: username");
    }
    String u = PyText.str(raw).strip();
    if (u.isEmpty()) {
      throw new TurnRejected(400, "username is empty");
    }
    return u;
  }

  public Future<ChatTurn> validate(JsonObject body, String username) {
    String sessionId = sessionId(body);
    boolean generated = sessionId == null;
    String sid = generated ? UUID.randomUUID().toString() : sessionId;
    String routeUpdate = configSelection(body);
    if (!body.containsKey("message") && !body.containsKey("files")) {
      throw new TurnRejected(400, "Missing key: message or files");
    }
    if (!body.containsKey("message")) {
      throw new TurnRejected(400, "Missing key: message");
    }
    Object selectedProvider = body.getValue("selected_provider");
    Object selectedModel = body.getValue("selected_model");
    Object streaming = body.getValue("enable_streaming");
    Boolean streamingOverride = body.containsKey("enable_streaming") ? (streaming == null ? null : PyText.truthy(streaming)) : Boolean.TRUE;
    String umo = ChatTurn.webchatUmo(username, sid);

    Future<String> owner = generated ? Future.succeededFuture(null) : creator(sid);
    // Independent reads run together: the route lookup does not wait for the ownership check.
    Future<String> configId = routeUpdate != null
        ? Future.succeededFuture(routeUpdate)
        : ConfigRoutes.resolve(store, umo, confs);
    Future<JsonArray> built = owner.compose(creator -> {
      if (creator != null && !creator.equals(username)) {
        return Future.failedFuture(new TurnRejected(409, "session_id belongs to another username"));
      }
      return parts(body.getValue("message"));
    });
    return built.compose(parts -> {
      if (!hasContent(parts)) {
        return Future.failedFuture(new TurnRejected(400, "Message content is empty (reply only is not allowed)"));
      }
      return configId.map(cid -> new ChatTurn(Webchat.ID, username, sid, umo, UUID.randomUUID().toString(), parts,
          selectedProvider == null ? null : PyText.str(selectedProvider), selectedModel == null ? null : PyText.str(selectedModel),
          streamingOverride, cid, routeUpdate, owner.result() == null, generated));
    });
  }

  /**
   * The writes that must settle before the stream starts: the session row of a client-named new session (a racing
   * creator still gets 409) and the config route. A session id the gateway made cannot race, so its row is written
   * by the turn alongside the upstream call, with the user row (see {@link TurnRunner}).
   */
  public Future<ChatTurn> commit(ChatTurn turn) {
    // Validation already read the creator of an existing session; sessions are never deleted, so only a new one
    // needs the insert.
    Future<String> owner = turn.newSession() && !turn.generatedSession()
        ? store.chat(new ChatOps.EnsureSession(turn.sessionId(), turn.username(), Webchat.ID))
            .onSuccess(c -> remember(turn.sessionId(), c))
        : Future.succeededFuture(turn.username());
    return owner
        .compose(creator -> {
          if (!turn.username().equals(creator)) {
            return Future.failedFuture(new TurnRejected(409, "session_id belongs to another username"));
          }
          if (turn.routeUpdate() == null) {
            return Future.succeededFuture();
          }
          return store.chat(new ChatOps.SetRoute(turn.umo(), "default".equals(turn.routeUpdate()) ? null : turn.routeUpdate()));
        })
        .map(v -> turn);
  }

  private Future<String> creator(String sessionId) {
    String known = creators.get(sessionId);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    return store.chat(new ChatOps.SessionOwner(sessionId)).onSuccess(c -> remember(sessionId, c));
  }

  private void remember(String sessionId, String creator) {
    if (creator != null) {
      creators.put(sessionId, creator);
    }
  }

  /** {@code session_id} wins even when null or empty; stripped; empty means "make one". */
  static String sessionId(JsonObject body) {
    Object raw = body.containsKey("session_id") ? body.getValue("session_id") : body.getValue("conversation_id");
    if (raw == null) {
      return null;
    }
    String s = PyText.str(raw).strip();
    return s.isEmpty() ? null : s;
  }

  /** Resolves config_id / config_name; returns the route to persist, or null when neither was given. */
  private String configSelection(JsonObject body) {
    String id = body.getValue("config_id") == null ? "" : PyText.str(body.getValue("config_id")).strip();
    String name = body.getValue("config_name") == null ? "" : PyText.str(body.getValue("config_name")).strip();
    if (!id.isEmpty()) {
      if (confs.byId(id).isEmpty()) {
        throw new TurnRejected(404, "config_id not found: " + id);
      }
      return id;
    }
    if (!name.isEmpty()) {
      List<ConfFile> matches = confs.byName(name);
      if (matches.isEmpty()) {
        throw new TurnRejected(404, "config_name not found: " + name);
      }
      if (matches.size() > 1) {
        throw new TurnRejected(400, "config_name is ambiguous, please use config_id: " + name);
      }
      return matches.get(0).id();
    }
    return null;
  }

  /** Non-strict part building (§5.4): the one part model's lenient form. */
  private Future<JsonArray> parts(Object message) {
    return MessageParts.lenient(message, ids -> store.chat(new ChatOps.AttachmentsMeta(ids)));
  }

  private static boolean hasContent(JsonArray parts) {
    for (Object o : parts) {
      if (!"reply".equals(((JsonObject) o).getString("type"))) {
        return true;
      }
    }
    return false;
  }

}
