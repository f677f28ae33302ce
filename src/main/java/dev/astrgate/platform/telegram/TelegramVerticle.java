package dev.astrgate.platform.telegram;

import dev.astrgate.cluster.Addresses;
import dev.astrgate.cluster.ClusterInfo;
import dev.astrgate.platform.Attachments;
import dev.astrgate.platform.ChatBridge;
import dev.astrgate.platform.PlatformConfig;
import dev.astrgate.platform.PlatformHub;
import dev.astrgate.platform.PyText;
import dev.astrgate.platform.SendFailure;
import dev.astrgate.platform.SerialQueue;
import dev.astrgate.platform.Umo;
import dev.astrgate.platform.WakeRule;
import dev.astrgate.store.AttachmentRepository.AttachmentBytes;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Lock;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.multipart.MultipartForm;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code telegram} platform: Bot API long polling, run by exactly one node per platform id under the cluster lock
 * {@code platform.<id>.poller} (Hazelcast frees the locks of dead members); the other nodes retry every second.
 *
 * <p>Exactly-once across failover: a fetched batch is written to PostgreSQL ({@code preferences}: scope
 * {@code platform}, key {@code telegram_offset}, value {@code {val: next offset, pending: [updates], lease}}) before
 * any of it is handled and before the next getUpdates acknowledges it to Telegram. Each update leaves
 * {@code pending} once its answer was sent. A new poller first finishes what is pending, then polls from
 * {@code val}. The {@code lease} number, raised by every new poller, fences off writes of a deposed one.
 */
public final class TelegramVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(TelegramVerticle.class);
  public static final String TYPE = "telegram";
  static final String SCOPE = "platform";
  static final String KEY = "telegram_offset";
  private static final long RETRY_MS = 1_000;
  private static final long CALL_TIMEOUT_MS = 30_000;
  private static final int TEXT_LIMIT = 4096;

  private final String platformId;
  private final String token;
  private final String baseUrl;
  private final String fileBaseUrl;
  private final long pollTimeoutSeconds;
  private final long attachmentMaxBytes;
  private final WakeRule wake;
  private final PlatformHub hub;
  private final ClusterInfo cluster;
  private final Map<Long, JsonObject> pending = new LinkedHashMap<>();
  private final java.util.Set<Long> started = new java.util.HashSet<>();
  private final SerialQueue chats = new SerialQueue();
  private WebClient client;
  private TelegramApi api;
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
  private long offset;
  private boolean dirty;
  private Future<Void> commitTail = Future.succeededFuture();
  private boolean commitQueued;
  private long botId;
  private String botUsername;
  private long lastPollWarning;

  public TelegramVerticle(JsonObject entry, WakeRule wake, PlatformHub hub, ClusterInfo cluster) {
    this.platformId = entry.getString("id");
    this.token = PlatformConfig.string(entry, "telegram_token", "");
    this.baseUrl = PlatformConfig.string(entry, "telegram_api_base_url", TelegramApi.DEFAULT_API_BASE);
    this.fileBaseUrl = PlatformConfig.string(entry, "telegram_file_base_url", "");
    this.pollTimeoutSeconds = PlatformConfig.number(entry, "telegram_polling_timeout", 30);
    this.attachmentMaxBytes = PlatformConfig.number(entry, "attachment_max_bytes", Attachments.DEFAULT_MAX_BYTES);
    this.wake = wake;
    this.hub = hub;
    this.cluster = cluster;
  }

  @Override
  public Future<?> start() {
    store = new StoreClient(vertx);
    chat = new ChatBridge(vertx, ChatBridge.DEFAULT_TIMEOUT_MS);
    client = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true).setConnectTimeout(10_000)
        .setUserAgent("astrgate"));
    api = new TelegramApi(client, baseUrl, fileBaseUrl, token);
    hub.register(platformId, () -> leading ? "polling" : "standby", null);
    if (token.isEmpty()) {
      LOG.warn("platform not started id={} type={} reason=telegram_token_missing", platformId, TYPE);
      return Future.succeededFuture();
    }
    LOG.info("platform started id={} type={} node={}", platformId, TYPE, cluster.nodeName());
    tryLead();
    return Future.succeededFuture();
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
    store.bumpLease(SCOPE, platformId, KEY, new JsonObject().put("val", 0L).put("pending", new JsonArray()))
        .compose(state -> {
          lease = state.getLong("lease");
          offset = state.getLong("val", 0L);
          pending.clear();
          started.clear();
          for (Object o : state.getJsonArray("pending", new JsonArray())) {
            JsonObject u = (JsonObject) o;
            pending.put(u.getLong("update_id"), u);
          }
          sends = vertx.eventBus().consumer(Addresses.platformSend(platformId), this::onSend);
          directSends = vertx.eventBus().consumer(Addresses.platformSendTo(platformId, cluster.nodeId()), this::onSend);
          return Future.all(sends.completion(), directSends.completion());
        })
        .compose(v -> announce(gen))
        .onSuccess(v -> {
          LOG.info("telegram poller active id={} node={} lease={} offset={} pending={}", platformId, cluster.nodeName(),
              lease, offset, pending.size());
          identify(gen);
          // Updates a previous poller stored but did not finish are dispatched by the first poll step.
          poll(gen);
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

  /** getMe gives the bot's id and username for @-mention checks in groups; polling goes on without them. */
  private void identify(long gen) {
    api.call("getMe", new JsonObject(), CALL_TIMEOUT_MS).onSuccess(me -> {
      if (gen == generation && me instanceof JsonObject m) {
        botId = m.getLong("id", 0L);
        botUsername = m.getValue("username") instanceof String u ? u : null;
      }
    }).onFailure(err -> LOG.warn("telegram getMe failed id={} reason={}", platformId, err.getMessage()));
  }

  private void stepDown(long gen, String why) {
    if (gen != generation || !leading) {
      return;
    }
    generation++;
    leading = false;
    LOG.info("telegram poller stopped id={} node={} reason={}", platformId, cluster.nodeName(), why);
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

  // ---- polling ----------------------------------------------------------------------------------------------

  private void poll(long gen) {
    if (gen != generation || stopped) {
      return;
    }
    // Nothing is acknowledged to Telegram (by the next offset) before it is in PostgreSQL.
    flush(gen).onFailure(err -> {
      if (gen == generation) {
        warnPoll("offset commit failed: " + err.getMessage());
        vertx.setTimer(RETRY_MS, t -> poll(gen));
      }
    }).onSuccess(v -> {
      dispatchStored(gen);
      fetch(gen);
    });
  }

  /** Hands every stored, not yet started update to its chat's queue, in update order. */
  private void dispatchStored(long gen) {
    for (JsonObject u : new ArrayList<>(pending.values())) {
      if (started.add(u.getLong("update_id"))) {
        dispatch(gen, u);
      }
    }
  }

  private void fetch(long gen) {
    JsonObject params = new JsonObject().put("timeout", pollTimeoutSeconds)
        .put("allowed_updates", new JsonArray().add("message"));
    if (offset > 0) {
      params.put("offset", offset);
    }
    api.call("getUpdates", params, (pollTimeoutSeconds + 15) * 1000).onComplete(ar -> {
      if (gen != generation || stopped) {
        return;
      }
      if (ar.failed()) {
        warnPoll(ar.cause().getMessage());
        vertx.setTimer(RETRY_MS, t -> poll(gen));
        return;
      }
      if (ar.result() instanceof JsonArray updates) {
        for (Object o : updates) {
          if (o instanceof JsonObject u && u.getValue("update_id") instanceof Number n && n.longValue() >= offset) {
            pending.put(n.longValue(), u);
            offset = Math.max(offset, n.longValue() + 1);
            dirty = true;
          }
        }
      }
      // poll() stores the batch first, then dispatches it, then fetches the next one.
      poll(gen);
    });
  }

  private void warnPoll(String why) {
    long now = System.currentTimeMillis();
    if (now - lastPollWarning > 30_000) {
      lastPollWarning = now;
      LOG.warn("telegram poll failed id={} reason={}", platformId, why);
    }
  }

  /** Writes {@code {val, pending}} under our lease; coalesces: at most one commit queued behind the running one. */
  private Future<Void> flush(long gen) {
    if (commitQueued) {
      return commitTail;
    }
    commitQueued = true;
    commitTail = commitTail.transform(ignored -> {
      commitQueued = false;
      if (gen != generation) {
        return Future.failedFuture("not the poller any more");
      }
      if (!dirty) {
        return Future.succeededFuture();
      }
      dirty = false;
      JsonObject value = new JsonObject().put("val", offset).put("pending", new JsonArray(new ArrayList<>(pending.values())));
      return store.putIfLease(SCOPE, platformId, KEY, lease, value).transform(ar -> {
        if (ar.failed()) {
          dirty = true;
          return Future.failedFuture(ar.cause());
        }
        if (!ar.result()) {
          stepDown(gen, "lease taken by another node");
          return Future.failedFuture("lease lost");
        }
        return Future.succeededFuture();
      });
    });
    return commitTail;
  }

  private void dispatch(long gen, JsonObject update) {
    long id = update.getLong("update_id");
    JsonObject msg = update.getValue("message") instanceof JsonObject m ? m : null;
    String key = msg != null && msg.getValue("chat") instanceof JsonObject c ? String.valueOf(c.getValue("id")) : "-";
    chats.submit(key, () -> handle(update, msg)).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("telegram update failed id={} update_id={} reason={}", platformId, id, ar.cause().getMessage());
      }
      if (gen == generation) {
        pending.remove(id);
        started.remove(id);
        dirty = true;
        flush(gen);
      }
    });
  }

  // ---- inbound ----------------------------------------------------------------------------------------------

  private Future<Void> handle(JsonObject update, JsonObject msg) {
    if (msg == null || !(msg.getValue("chat") instanceof JsonObject chatObj)) {
      return Future.succeededFuture();
    }
    boolean group = !"private".equals(chatObj.getValue("type"));
    String text = msg.getValue("text") instanceof String t ? t : msg.getValue("caption") instanceof String c ? c : "";
    boolean mentioned = false;
    if (botUsername != null) {
      String at = "@" + botUsername;
      if (text.toLowerCase().contains(at.toLowerCase())) {
        mentioned = true;
        text = text.replaceAll("(?i)" + java.util.regex.Pattern.quote(at), "").strip();
      }
    }
    if (msg.getValue("reply_to_message") instanceof JsonObject r && r.getValue("from") instanceof JsonObject f
        && botId != 0 && f.getLong("id", -1L) == botId) {
      mentioned = true;
    }
    WakeRule.Verdict verdict = wake.check(group, mentioned, text);
    if (!verdict.wake()) {
      return Future.succeededFuture();
    }
    String sessionId = String.valueOf(chatObj.getValue("id"));
    if (Boolean.TRUE.equals(msg.getValue("is_topic_message")) && msg.getValue("message_thread_id") != null) {
      sessionId += "#" + msg.getValue("message_thread_id");
    }
    String messageType = group ? Umo.GROUP : Umo.FRIEND;
    String umo = Umo.of(platformId, messageType, sessionId);
    JsonObject from = msg.getValue("from") instanceof JsonObject f ? f : new JsonObject();
    JsonObject inbound = new JsonObject()
        .put("platform_id", platformId)
        .put("platform_type", TYPE)
        .put("umo", umo)
        .put("message_type", messageType)
        .put("session_id", sessionId)
        .put("event_id", platformId + ":" + update.getValue("update_id"))
        .put("message_id", PyText.str(msg.getValue("message_id")))
        .put("self_id", botId == 0 ? null : Long.toString(botId))
        .put("sender", new JsonObject().put("user_id", PyText.str(from.getValue("id")))
            .put("nickname", from.getValue("username") instanceof String u ? u : PyText.str(from.getValue("first_name"))))
        .put("group_id", group ? String.valueOf(chatObj.getValue("id")) : null)
        .put("text", verdict.text())
        .put("raw_text", msg.getValue("text") instanceof String t ? t : text)
        .put("parts", parts(msg, verdict.text()))
        .put("mentioned", mentioned)
        .put("timestamp", msg.getValue("date"));
    String session = sessionId;
    return chat.ask(inbound).compose(parts -> parts.isEmpty() ? Future.succeededFuture()
        : deliver(new JsonObject().put("umo", umo).put("message_type", messageType).put("session_id", session)
            .put("parts", parts)).mapEmpty());
  }

  private static JsonArray parts(JsonObject msg, String text) {
    JsonArray parts = new JsonArray();
    if (!text.isEmpty()) {
      parts.add(new JsonObject().put("type", "plain").put("text", text));
    }
    if (msg.getValue("photo") instanceof JsonArray photos && !photos.isEmpty()
        && photos.getValue(photos.size() - 1) instanceof JsonObject largest) {
      parts.add(new JsonObject().put("type", "image").put("file_id", largest.getValue("file_id")));
    }
    media(msg, "voice", "record", parts);
    media(msg, "audio", "record", parts);
    media(msg, "video", "video", parts);
    media(msg, "document", "file", parts);
    return parts;
  }

  private static void media(JsonObject msg, String field, String type, JsonArray parts) {
    if (msg.getValue(field) instanceof JsonObject m) {
      JsonObject p = new JsonObject().put("type", type).put("file_id", m.getValue("file_id"));
      if (m.getValue("file_name") instanceof String name) {
        p.put("name", name);
      }
      parts.add(p);
    }
  }

  // ---- outbound ---------------------------------------------------------------------------------------------

  private void onSend(Message<JsonObject> msg) {
    JsonObject body = msg.body();
    if (body != null && body.getBoolean("probe", false)) {
      msg.reply(new JsonObject().put("ok", true));
      return;
    }
    deliver(body).onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(ar.result());
      } else {
        msg.fail(SendFailure.codeOf(ar.cause()), String.valueOf(ar.cause().getMessage()));
      }
    });
  }

  /** Text runs go out as sendMessage; each medium as sendPhoto/sendVoice/sendVideo/sendDocument, in part order. */
  Future<JsonObject> deliver(JsonObject send) {
    String sessionId = send.getString("session_id", "");
    int hash = sessionId.indexOf('#');
    String chatId = hash < 0 ? sessionId : sessionId.substring(0, hash);
    String thread = hash < 0 ? null : sessionId.substring(hash + 1);
    JsonArray parts = send.getJsonArray("parts", new JsonArray());
    String replyTo = null;
    for (Object o : parts) {
      if (o instanceof JsonObject p && "reply".equals(p.getString("type")) && replyTo == null) {
        replyTo = PyText.str(p.getValue("message_id"));
      }
    }
    String reply = replyTo;
    return Attachments.load(store, parts, attachmentMaxBytes).compose(files -> {
      List<java.util.function.Supplier<Future<Object>>> calls = new ArrayList<>();
      StringBuilder text = new StringBuilder();
      for (Object o : parts) {
        JsonObject p = (JsonObject) o;
        switch (p.getString("type", "")) {
          case "plain" -> text.append(p.getString("text", ""));
          case "at" -> text.append('@').append(PyText.str(p.getValue("user_id"))).append(' ');
          case "image", "record", "video", "file" -> {
            addText(calls, chatId, thread, reply, text);
            calls.add(() -> sendMedia(chatId, thread, reply, p, files));
          }
          default -> {
            // reply is a parameter of the messages; unknown parts are skipped
          }
        }
      }
      addText(calls, chatId, thread, reply, text);
      Future<Object> all = Future.succeededFuture();
      for (var call : calls) {
        all = all.compose(v -> call.get());
      }
      return all;
    }).map(last -> new JsonObject().put("ok", true)
        .put("message_id", last instanceof JsonObject m ? m.getValue("message_id") : null));
  }

  private void addText(List<java.util.function.Supplier<Future<Object>>> calls, String chatId, String thread,
                       String reply, StringBuilder text) {
    String t = text.toString();
    text.setLength(0);
    for (int i = 0; i < t.length(); i += TEXT_LIMIT) {
      String chunk = t.substring(i, Math.min(t.length(), i + TEXT_LIMIT));
      if (chunk.isBlank()) {
        continue;
      }
      calls.add(() -> api.call("sendMessage", target(chatId, thread, reply).put("text", chunk), CALL_TIMEOUT_MS));
    }
  }

  private static JsonObject target(String chatId, String thread, String reply) {
    JsonObject params = new JsonObject().put("chat_id", chatId);
    if (thread != null) {
      params.put("message_thread_id", thread);
    }
    if (reply != null) {
      params.put("reply_parameters", new JsonObject().put("message_id", reply).put("allow_sending_without_reply", true));
    }
    return params;
  }

  private Future<Object> sendMedia(String chatId, String thread, String reply, JsonObject p,
                                   Map<String, AttachmentBytes> files) {
    String type = p.getString("type");
    String method = switch (type) {
      case "image" -> "sendPhoto";
      case "record" -> "sendVoice";
      case "video" -> "sendVideo";
      default -> "sendDocument";
    };
    String field = switch (type) {
      case "image" -> "photo";
      case "record" -> "voice";
      case "video" -> "video";
      default -> "document";
    };
    if (p.getValue("attachment_id") instanceof String id && files.containsKey(id)) {
      AttachmentBytes a = files.get(id);
      MultipartForm form = MultipartForm.create().attribute("chat_id", chatId);
      if (thread != null) {
        form.attribute("message_thread_id", thread);
      }
      if (reply != null) {
        form.attribute("reply_parameters", new JsonObject().put("message_id", reply)
            .put("allow_sending_without_reply", true).encode());
      }
      form.binaryFileUpload(field, a.meta().filename(), a.data(), a.meta().mimeType());
      return api.upload(method, form, CALL_TIMEOUT_MS);
    }
    Object ref = p.getValue("url") != null ? p.getValue("url") : p.getValue("file_id");
    if (ref == null) {
      return Future.failedFuture(new SendFailure(SendFailure.INVALID, type + " part has no attachment to send"));
    }
    return api.call(method, target(chatId, thread, reply).put(field, ref), CALL_TIMEOUT_MS);
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    hub.unregister(platformId);
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
    }
    // Close the client first: an in-flight long poll must end before the lock lets another node poll.
    client.close();
    stepDown(generation, "node stopping");
    return Future.succeededFuture();
  }
}
