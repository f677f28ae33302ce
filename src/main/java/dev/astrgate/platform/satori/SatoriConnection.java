package dev.astrgate.platform.satori;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event WebSocket of one Satori server, as a state machine: dial, IDENTIFY with the token and the last
 * {@code sn}, READY, PING every heartbeat interval, EVENTs; a socket silent for three intervals is closed; a closed
 * or refused socket is dialled again after the reconnect delay, doubled per failure (at most a minute) while
 * {@code satori_auto_reconnect} holds. Runs on the context that calls {@link #open}; not thread-safe.
 */
final class SatoriConnection {
  private static final Logger LOG = LoggerFactory.getLogger(SatoriConnection.class);
  static final int OP_EVENT = 0;
  static final int OP_PING = 1;
  static final int OP_IDENTIFY = 3;
  static final int OP_READY = 4;
  /** A connection that stays silent (no PONG, no event) for this many heartbeats is treated as dead. */
  static final int MISSED_HEARTBEATS = 3;

  private final Vertx vertx;
  private final WebSocketClient client;
  private final SatoriOptions options;
  private final LongSupplier lastSn;
  private final Consumer<JsonObject> onReady;
  private final Consumer<JsonObject> onEvent;
  private WebSocket ws;
  private long connection;
  private boolean open;
  private boolean ready;
  private int attempts;
  private long pingTimer = -1;
  private long reconnectTimer = -1;
  private long lastFrameAt;

  /**
   * @param lastSn the sequence number to resume from (0: none yet), read at each IDENTIFY
   * @param onReady the READY body; @param onEvent each EVENT body, in order
   */
  SatoriConnection(Vertx vertx, WebSocketClient client, SatoriOptions options, LongSupplier lastSn,
                   Consumer<JsonObject> onReady, Consumer<JsonObject> onEvent) {
    this.vertx = vertx;
    this.client = client;
    this.options = options;
    this.lastSn = lastSn;
    this.onReady = onReady;
    this.onEvent = onEvent;
  }

  /** True between READY and the socket's close. */
  boolean ready() {
    return ready;
  }

  void open() {
    if (!open) {
      open = true;
      attempts = 0;
      dial();
    }
  }

  /** Closes the socket and stops dialling; frames still in flight are dropped. */
  void close() {
    open = false;
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

  private void dial() {
    reconnectTimer = -1;
    if (!open) {
      return;
    }
    long conn = ++connection;
    client.connect(new WebSocketConnectOptions().setAbsoluteURI(options.endpoint())).onComplete(ar -> {
      if (conn != connection) {
        if (ar.succeeded()) {
          ar.result().close();
        }
        return;
      }
      if (ar.failed()) {
        LOG.warn("satori connect failed id={} reason={}", options.platformId(), ar.cause().getMessage());
        redial(conn);
        return;
      }
      WebSocket socket = ar.result();
      ws = socket;
      lastFrameAt = System.currentTimeMillis();
      socket.textMessageHandler(text -> onFrame(conn, text));
      socket.exceptionHandler(err -> LOG.warn("satori socket error id={} reason={}", options.platformId(),
          err.getMessage()));
      socket.closeHandler(v -> onClosed(conn));
      JsonObject identify = new JsonObject();
      if (!options.token().isEmpty()) {
        identify.put("token", options.token());
      }
      long sn = lastSn.getAsLong();
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
    long silentMs = System.currentTimeMillis() - lastFrameAt;
    if (silentMs > MISSED_HEARTBEATS * everyMs) {
      LOG.warn("satori connection silent, closing id={} silent_ms={}", options.platformId(), silentMs);
      socket.close();
      return;
    }
    socket.writeTextMessage(new JsonObject().put("op", OP_PING).put("body", new JsonObject()).encode());
  }

  private void onClosed(long conn) {
    if (conn != connection) {
      return;
    }
    LOG.info("satori connection closed id={} sn={}", options.platformId(), lastSn.getAsLong());
    ws = null;
    ready = false;
    cancelPing();
    redial(conn);
  }

  private void redial(long conn) {
    if (!open || conn != connection) {
      return;
    }
    if (!options.autoReconnect()) {
      LOG.warn("satori not reconnecting id={} reason=satori_auto_reconnect_off", options.platformId());
      return;
    }
    reconnectTimer = vertx.setTimer(options.reconnectDelayMs(++attempts), t -> dial());
  }

  private void cancelPing() {
    if (pingTimer >= 0) {
      vertx.cancelTimer(pingTimer);
      pingTimer = -1;
    }
  }

  private void onFrame(long conn, String text) {
    if (conn != connection) {
      return;
    }
    lastFrameAt = System.currentTimeMillis();
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      LOG.warn("satori frame not json id={} length={}", options.platformId(), text.length());
      return;
    }
    JsonObject body = frame.getValue("body") instanceof JsonObject b ? b : new JsonObject();
    if (!(frame.getValue("op") instanceof Number op)) {
      return;
    }
    switch (op.intValue()) {
      case OP_READY -> {
        ready = true;
        attempts = 0;
        onReady.accept(body);
      }
      case OP_EVENT -> onEvent.accept(body);
      default -> {
        // PONG and META: the connection is alive, which lastFrameAt recorded
      }
    }
  }
}
