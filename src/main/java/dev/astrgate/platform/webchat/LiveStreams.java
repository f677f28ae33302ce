package dev.astrgate.platform.webchat;

import dev.astrgate.cluster.Addresses;
import dev.astrgate.cluster.ClusterInfo;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webchat streams open on this node, reachable from every node for proactive sends (Part A.9).
 *
 * <p>A cluster map names the node holding each session's latest stream, and every node answers on its own address.
 * That node always has a handler, so a send that races with the end of a stream is answered "not live" (and stored)
 * instead of landing on a per-session registration that has just gone away, where the bus drops it silently.
 * Thread-safe: streams open and close on every HTTP event loop.
 */
public final class LiveStreams {
  private static final Logger LOG = LoggerFactory.getLogger(LiveStreams.class);

  /** A stream's push: shows the message live and keeps it in history; false when the stream had already ended. */
  private record Live(Context context, Function<JsonObject, Future<Boolean>> push) {
  }

  private final Vertx vertx;
  private final ClusterInfo cluster;
  private final Map<String, Live> bySession = new ConcurrentHashMap<>();
  private AsyncMap<String, String> directory;
  private MessageConsumer<JsonObject> consumer;

  public LiveStreams(Vertx vertx, ClusterInfo cluster) {
    this.vertx = vertx;
    this.cluster = cluster;
  }

  public Future<Void> start() {
    return vertx.sharedData().<String, String>getAsyncMap(Addresses.WEBCHAT_STREAMS_MAP).compose(m -> {
      directory = m;
      consumer = Addresses.webchatNode(cluster.nodeId()).consumer(vertx.eventBus(), this::onPush);
      return consumer.completion();
    });
  }

  /**
   * Makes this session's pushes go to {@code push}, run on the caller's context, until the returned handle runs.
   * A newer stream of the same session takes over; closing the older one then changes nothing.
   */
  public Runnable open(String sessionId, Function<JsonObject, Future<Boolean>> push) {
    Live live = new Live(vertx.getOrCreateContext(), push);
    bySession.put(sessionId, live);
    String node = cluster.nodeId();
    directory.put(sessionId, node).onFailure(err ->
        LOG.warn("webchat stream not announced session={} reason={}", sessionId, err.getMessage()));
    return () -> {
      if (bySession.remove(sessionId, live)) {
        directory.removeIfPresent(sessionId, node);
      }
    };
  }

  /** The node holding the session's latest stream, or null when none is open (or its node has left). */
  Future<String> locate(String sessionId) {
    if (bySession.containsKey(sessionId)) {
      return Future.succeededFuture(cluster.nodeId());
    }
    return directory.get(sessionId).map(node -> {
      if (node != null && !cluster.isMember(node)) {
        directory.removeIfPresent(sessionId, node);
        return null;
      }
      return node;
    });
  }

  private void onPush(Message<JsonObject> msg) {
    Live live = bySession.get(msg.body().getString("session_id", ""));
    if (live == null) {
      msg.reply(new JsonObject().put("live", false));
      return;
    }
    live.context().runOnContext(v -> live.push().apply(msg.body()).onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(new JsonObject().put("live", ar.result()));
      } else {
        msg.fail(503, String.valueOf(ar.cause().getMessage()));
      }
    }));
  }

  public Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }
}
