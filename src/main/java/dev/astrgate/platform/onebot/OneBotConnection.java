package dev.astrgate.platform.onebot;

import dev.astrgate.platform.route.InboundOwnership;
import dev.astrgate.platform.SendFailure;
import dev.astrgate.platform.SerialQueue;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One OneBot v11 reverse WebSocket ("universal" role): events in, API calls out with {@code echo} correlation.
 * Its handlers run on the context that accepted the socket; {@link #call} may be used from any thread.
 */
final class OneBotConnection implements InboundOwnership.Link {
  private static final Logger LOG = LoggerFactory.getLogger(OneBotConnection.class);

  private record Pending(String action, Promise<JsonObject> promise, long timer) {
  }

  private final OneBotAdapter platform;
  private final Vertx vertx;
  private final io.vertx.core.Context context;
  private final ServerWebSocket ws;
  private final String id;
  private final String selfId;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final AtomicLong echoSeq = new AtomicLong();
  private final SerialQueue sessions = new SerialQueue();
  private volatile long lastSeen = System.currentTimeMillis();
  private volatile boolean closed;
  private long heartbeatInterval;
  private long watchdog = -1;

  OneBotConnection(OneBotAdapter platform, Vertx vertx, ServerWebSocket ws, String id, String selfId) {
    this.platform = platform;
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.ws = ws;
    this.id = id;
    this.selfId = selfId;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public io.vertx.core.Context context() {
    return context;
  }

  String selfId() {
    return selfId;
  }

  void start() {
    ws.textMessageHandler(this::onText);
    ws.exceptionHandler(err -> LOG.debug("onebot socket error id={} connection={} reason={}", platform.id(), id,
        err.toString()));
    ws.closeHandler(v -> onClose());
  }

  private void onText(String text) {
    lastSeen = System.currentTimeMillis();
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      LOG.warn("onebot frame ignored id={} connection={} reason=not_a_json_object", platform.id(), id);
      return;
    }
    if (frame.containsKey("echo") && (frame.containsKey("retcode") || frame.containsKey("status"))) {
      onResponse(frame);
      return;
    }
    String postType = frame.getValue("post_type") instanceof String s ? s : "";
    switch (postType) {
      case "meta_event" -> onMeta(frame);
      case "message", "message_sent" -> {
        if ("message".equals(postType)) {
          platform.onMessage(this, frame, sessions);
        }
      }
      default -> LOG.debug("onebot event ignored id={} post_type={}", platform.id(), postType);
    }
  }

  private void onMeta(JsonObject frame) {
    String type = String.valueOf(frame.getValue("meta_event_type"));
    if ("lifecycle".equals(type)) {
      LOG.info("onebot lifecycle id={} connection={} self_id={} sub_type={}", platform.id(), id, selfId,
          frame.getValue("sub_type"));
    } else if ("heartbeat".equals(type) && frame.getValue("interval") instanceof Number n && n.longValue() > 0
        && n.longValue() != heartbeatInterval) {
      heartbeatInterval = n.longValue();
      if (watchdog >= 0) {
        vertx.cancelTimer(watchdog);
      }
      // A half-open socket sends nothing: three missed heartbeats end it, so its ownership can move on.
      watchdog = vertx.setPeriodic(heartbeatInterval, t -> {
        if (System.currentTimeMillis() - lastSeen > 3 * heartbeatInterval) {
          LOG.warn("onebot heartbeat lost id={} connection={} interval_ms={}", platform.id(), id, heartbeatInterval);
          close();
        }
      });
    }
  }

  private void onResponse(JsonObject frame) {
    String echo = String.valueOf(frame.getValue("echo"));
    Pending p = pending.remove(echo);
    if (p == null) {
      LOG.debug("onebot response without caller id={} echo={}", platform.id(), echo);
      return;
    }
    vertx.cancelTimer(p.timer());
    Object retcode = frame.getValue("retcode");
    boolean ok = "ok".equals(frame.getValue("status")) || "async".equals(frame.getValue("status"))
        || (frame.getValue("status") == null && retcode instanceof Number n && (n.intValue() == 0 || n.intValue() == 1));
    if (ok) {
      p.promise().tryComplete(frame.getValue("data") instanceof JsonObject d ? d : new JsonObject());
    } else {
      p.promise().tryFail(SendFailure.refused(failureText(frame)));
    }
  }

  /** The protocol end's own words: wording, else message, else msg; with the retcode. */
  static String failureText(JsonObject frame) {
    String text = null;
    for (String k : new String[] {"wording", "message", "msg"}) {
      if (frame.getValue(k) instanceof String s && !s.isBlank()) {
        text = s;
        break;
      }
    }
    return (text == null ? "OneBot action failed" : text) + " (retcode " + frame.getValue("retcode") + ")";
  }

  /** Calls an OneBot API action; fails with the protocol end's text, or after {@code timeoutMs} with no answer. */
  Future<JsonObject> call(String action, JsonObject params, long timeoutMs) {
    if (closed) {
      return Future.failedFuture(SendFailure.refused("OneBot connection closed"));
    }
    String echo = Long.toString(echoSeq.incrementAndGet());
    Promise<JsonObject> promise = Promise.promise();
    long timer = vertx.setTimer(timeoutMs, t -> {
      Pending p = pending.remove(echo);
      if (p != null) {
        p.promise().tryFail(SendFailure.refused("OneBot API " + action + " timed out after " + timeoutMs + " ms"));
      }
    });
    pending.put(echo, new Pending(action, promise, timer));
    JsonObject frame = new JsonObject().put("action", action).put("params", params).put("echo", echo);
    ws.writeTextMessage(frame.encode()).onFailure(err -> {
      Pending p = pending.remove(echo);
      if (p != null) {
        vertx.cancelTimer(p.timer());
        p.promise().tryFail(SendFailure.refused("OneBot connection write failed: " + err.getMessage()));
      }
    });
    return promise.future();
  }

  @Override
  public Future<dev.astrgate.platform.SendRequest.Result> deliver(dev.astrgate.platform.SendRequest send) {
    return platform.deliver(this, send);
  }

  void close() {
    if (!closed) {
      ws.close((short) 1000, "closing");
    }
  }

  private void onClose() {
    if (closed) {
      return;
    }
    closed = true;
    if (watchdog >= 0) {
      vertx.cancelTimer(watchdog);
    }
    pending.values().forEach(p -> {
      vertx.cancelTimer(p.timer());
      p.promise().tryFail(SendFailure.refused("OneBot connection closed before answering " + p.action()));
    });
    pending.clear();
    platform.onClosed(this);
  }
}
