package dev.astrgate.platform.webchat;

import dev.astrgate.cluster.Addresses;
import dev.astrgate.message.MessageParts;
import dev.astrgate.platform.SendFailure;
import dev.astrgate.platform.SendRequest;
import dev.astrgate.platform.route.PlatformRouting;
import dev.astrgate.store.ChatOps;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webchat platform: always running on every node, so the routing unit calls it directly. A send goes into the
 * session's live stream (on whichever node holds it, through {@link LiveStreams}), or into the session's history
 * when no stream is open, as upstream does.
 */
public final class Webchat {
  private static final Logger LOG = LoggerFactory.getLogger(Webchat.class);
  /** The platform id (and type) of the webchat, the one place it is spelled. */
  public static final String ID = "webchat";
  static final long PUSH_TIMEOUT_MS = 5_000;

  private final PlatformRouting routing;
  private final StoreClient store;
  private final LiveStreams streams;

  public Webchat(PlatformRouting routing, StoreClient store, LiveStreams streams) {
    this.routing = routing;
    this.store = store;
    this.streams = streams;
  }

  /** Makes this node deliver webchat sends. */
  public void start() {
    routing.serveLocally(ID, this::deliver);
  }

  public static boolean is(String platformId) {
    return ID.equals(platformId);
  }

  /** The UMO of a webchat conversation. */
  public static String umo(String username, String sessionId) {
    return ID + ":FriendMessage:" + ID + "!" + username + "!" + sessionId;
  }

  /** Conversation id: the part after the second '!' of {@code webchat!<user>!<sid>}, else the whole session id. */
  public static String conversationId(String sessionId) {
    if (sessionId.startsWith(ID + "!")) {
      String[] p = sessionId.split("!", 3);
      if (p.length == 3) {
        return p[2];
      }
    }
    return sessionId;
  }

  Future<SendRequest.Result> deliver(SendRequest send) {
    String sid = conversationId(send.sessionId());
    JsonObject push = new SendRequest(send.umo(), send.messageType(), sid, send.parts()).toJson();
    return streams.locate(sid).compose(node -> node == null ? Future.succeededFuture(false)
            : routing.request(Addresses.webchatNode(node).name(), push, PUSH_TIMEOUT_MS, 0)
                .map(reply -> reply.body() instanceof JsonObject o && o.getBoolean("live", false))
                .recover(err -> {
                  if (err instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS) {
                    return Future.succeededFuture(false);
                  }
                  if (err instanceof ReplyException re && re.failureType() == ReplyFailure.TIMEOUT) {
                    LOG.warn("webchat push unanswered session={} node={} timeout_ms={}", sid, node, PUSH_TIMEOUT_MS);
                    return Future.failedFuture(SendFailure.refused("webchat session " + sid
                        + " did not answer within " + PUSH_TIMEOUT_MS / 1000 + " s"));
                  }
                  return Future.failedFuture(err);
                }))
        .compose(live -> {
          if (live) {
            return Future.succeededFuture(SendRequest.Result.NONE);
          }
          // No live stream anywhere: keep it in the session's history, as upstream does.
          JsonObject content = new JsonObject().put("type", "bot").put("message", MessageParts.forHistory(send.parts()));
          return store.chat(new ChatOps.AppendHistory(ID, sid, "bot", content)).map(SendRequest.Result.NONE);
        });
  }
}
