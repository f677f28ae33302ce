package dev.astrgate.http;

import dev.astrgate.chat.ChatIntake;
import dev.astrgate.chat.ChatTurn;
import dev.astrgate.chat.SseEvents;
import dev.astrgate.chat.Turns;
import dev.astrgate.message.MessageParts;
import dev.astrgate.platform.webchat.LiveStreams;
import dev.astrgate.platform.webchat.Webchat;
import dev.astrgate.store.ChatOps;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * POST /api/v1/chat: validate, then run the turn on this request's event loop and stream its events as SSE (the
 * turn writes its rows alongside the upstream call).
 */
final class ChatRoutes {
  private final Vertx vertx;
  private final ChatIntake intake;
  private final StoreClient store;
  private final int heartbeatSeconds;
  private final boolean enabled;
  private final LiveStreams streams;
  private final Turns turns;

  ChatRoutes(Vertx vertx, ChatIntake intake, StoreClient store, LiveStreams streams, int heartbeatSeconds,
             boolean enabled) {
    this.streams = streams;
    this.enabled = enabled;
    this.vertx = vertx;
    this.intake = intake;
    this.store = store;
    this.heartbeatSeconds = heartbeatSeconds;
    this.turns = enabled ? new Turns(vertx, intake.confs()) : null;
  }

  /** Closes the upstream clients once the server has let its in-flight requests finish. */
  void close() {
    if (turns != null) {
      turns.close();
    }
  }

  void chat(RoutingContext ctx) {
    if (!enabled) {
      throw new ApiError(503, "The chat pipeline does not run on this node (ASTRGATE_ROLES); send chats to another node");
    }
    if (ctx.request().version() == io.vertx.core.http.HttpVersion.HTTP_1_0) {
      // HTTP/1.0 has no chunked encoding and Vert.x writes no close-delimited body, so the stream could not start.
      throw new ApiError(505, "The chat stream needs HTTP/1.1; HTTP/1.0 cannot carry it (behind nginx: proxy_http_version 1.1)");
    }
    JsonObject body = JsonBodies.object(ctx);
    String username = ChatIntake.username(body);
    var limits = InputChecks.limits(ctx);
    InputChecks.text("username", username, limits.username());
    InputChecks.text(body.containsKey("session_id") ? "session_id" : "conversation_id",
        ChatIntake.sessionId(body), limits.sessionId());
    InputChecks.message(body.getValue("message"), limits.messageChars());
    AuthHandler.checkUsername(ctx, username);
    // The stream opens before the turn's first write; during a known outage refuse now, with the 503 envelope.
    store.reachable().compose(v -> intake.validate(body, username)).compose(intake::commit)
        .onSuccess(turn -> stream(ctx, turn)).onFailure(ctx::fail);
  }

  private void stream(RoutingContext ctx, ChatTurn turn) {
    SseResponse sse = new SseResponse(vertx, ctx.response(), heartbeatSeconds);
    sse.open();
    sse.whenDone(streams.open(turn.sessionId(), pushed -> pushInto(sse, turn, pushed)));
    turns.run(turn, sse);
  }

  /** A proactive message for this session, shown live in the open stream and kept in history (Part A.9). */
  private io.vertx.core.Future<Boolean> pushInto(SseResponse sse, ChatTurn turn, JsonObject pushed) {
    if (sse.isClosed()) {
      return io.vertx.core.Future.succeededFuture(false);
    }
    JsonArray parts = pushed.getJsonArray("parts", pushed.getJsonArray("message", new JsonArray()));
    String lastText = "";
    for (Object o : parts) {
      JsonObject p = (JsonObject) o;
      String type = p.getString("type", "plain");
      if (type.equals("plain")) {
        lastText = p.getString("text", "");
        sse.send(SseEvents.plain(lastText, true, null, turn.messageId()));
      } else {
        sse.send(MessageParts.sseMedia(p, turn.messageId()));
      }
    }
    sse.send(SseEvents.pushedComplete(lastText, turn.messageId()));
    return store.chat(new ChatOps.AppendHistory(Webchat.ID, turn.sessionId(), "bot",
            new JsonObject().put("type", "bot").put("message", MessageParts.forHistory(parts))))
        .map(saved -> {
          sse.send(SseEvents.messageSaved(saved.id(), saved.createdAt()));
          return true;
        });
  }
}
