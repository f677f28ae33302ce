package dev.astrgate.platform;

import dev.astrgate.cluster.Addresses;
import dev.astrgate.cluster.ChatNodes;
import dev.astrgate.cluster.ClusterInfo;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.eventbus.Message;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands an inbound user message to the chat pipeline on {@link Addresses#CHAT_INBOUND} and returns the parts of the
 * bot's answer (empty when there is nothing to send back).
 *
 * <p>"No handlers" is retried for a while before the message is given up: while cluster membership changes, the
 * registration of a remote pipeline can be missing for a moment, and an adapter worker must not drop a user's message
 * for that.
 */
public final class ChatBridge {
  private static final Logger LOG = LoggerFactory.getLogger(ChatBridge.class);
  /** An LLM turn with tools can take minutes; the pipeline enforces its own, shorter limits. */
  public static final long DEFAULT_TIMEOUT_MS = 300_000;
  /** How long a message waits for some chat pipeline to be registered. */
  public static final long DEFAULT_NO_PIPELINE_WAIT_MS = 30_000;
  private static final long FIRST_RETRY_MS = 100;
  private static final long MAX_RETRY_MS = 2_000;
  private static final long MEMBER_CHECK_MS = 500;

  private final Vertx vertx;
  private final DeliveryOptions options;
  private final long noPipelineWaitMs;
  private final Counter dropped;
  private final ChatNodes nodes;
  private final ClusterInfo cluster;
  private final AtomicInteger next = new AtomicInteger();

  public ChatBridge(Vertx vertx, long timeoutMs) {
    this(vertx, timeoutMs, DEFAULT_NO_PIPELINE_WAIT_MS, null);
  }

  public ChatBridge(Vertx vertx, long timeoutMs, long noPipelineWaitMs) {
    this(vertx, timeoutMs, noPipelineWaitMs, null);
  }

  /** {@code dropped} counts messages given up for want of a pipeline (built once per adapter; may be null). */
  public ChatBridge(Vertx vertx, long timeoutMs, long noPipelineWaitMs, Counter dropped) {
    this(vertx, null, timeoutMs, noPipelineWaitMs, dropped);
  }

  /** With {@code cluster}: messages go to a live chat node by its own address (see {@link ChatNodes}). */
  public ChatBridge(Vertx vertx, ClusterInfo cluster, long timeoutMs, long noPipelineWaitMs, Counter dropped) {
    this.cluster = cluster;
    this.nodes = cluster == null ? null : new ChatNodes(vertx, cluster);
    this.vertx = vertx;
    this.options = Addresses.CHAT_INBOUND.delivery(timeoutMs);
    this.noPipelineWaitMs = noPipelineWaitMs;
    this.dropped = dropped;
  }

  /**
   * The parts of the bot's answer. Each message waits on its own timer, so a message that waits for a pipeline
   * holds up only the chat it belongs to (adapters queue per chat).
   */
  public Future<JsonArray> ask(InboundMessage inbound) {
    return ask(inbound.toJson());
  }

  /** The same for a message already in its JSON form. */
  public Future<JsonArray> ask(JsonObject inbound) {
    Promise<JsonArray> answer = Promise.promise();
    attempt(inbound, System.nanoTime(), FIRST_RETRY_MS, answer);
    return answer.future();
  }

  private void attempt(JsonObject inbound, long since, long backoffMs, Promise<JsonArray> answer) {
    Future<List<String>> targets = nodes == null ? Future.succeededFuture(List.of())
        : nodes.live().otherwise(List.of());
    targets.compose(live -> {
      if (live.isEmpty()) {
        return vertx.eventBus().<Object>request(Addresses.CHAT_INBOUND.name(), inbound, options);
      }
      String node = live.get(Math.floorMod(next.getAndIncrement(), live.size()));
      return watched(node, vertx.eventBus().<Object>request(Addresses.chatInboundTo(node).name(), inbound, options));
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        answer.complete(replyParts(ar.result().body()));
        return;
      }
      // NO_HANDLERS: no pipeline registered yet; ERROR: a chat node that just died was picked and nothing was
      // delivered. Both are safe to retry within the wait.
      if (!(ar.cause() instanceof ReplyException re
          && (re.failureType() == ReplyFailure.NO_HANDLERS || re.failureType() == ReplyFailure.ERROR))) {
        answer.fail(ar.cause());
        return;
      }
      long waitedMs = (System.nanoTime() - since) / 1_000_000;
      if (waitedMs + backoffMs > noPipelineWaitMs) {
        LOG.warn("inbound dropped: no chat pipeline umo={} waited_ms={}", inbound.getString("umo"), waitedMs);
        if (dropped != null) {
          dropped.increment();
        }
        answer.complete(new JsonArray());
        return;
      }
      if (backoffMs == FIRST_RETRY_MS) {
        LOG.info("no chat pipeline answered, retrying umo={} reason={}", inbound.getString("umo"),
            ar.cause().getMessage());
      }
      if (nodes != null) {
        nodes.refresh();
      }
      vertx.setTimer(backoffMs, t -> attempt(inbound, since, Math.min(MAX_RETRY_MS, backoffMs * 2), answer));
    });
  }

  /**
   * The request to one chat node, failed as ERROR (so retried) when that node leaves the cluster before it answers:
   * its answer can no longer come, and waiting for the long turn timeout would stall the chat for minutes.
   */
  private Future<Message<Object>> watched(String node, Future<Message<Object>> request) {
    if (cluster == null) {
      return request;
    }
    Promise<Message<Object>> out = Promise.promise();
    long timer = vertx.setPeriodic(MEMBER_CHECK_MS, t -> {
      if (!cluster.isMember(node)) {
        out.tryFail(new ReplyException(ReplyFailure.ERROR, "chat node " + node + " left the cluster"));
      }
    });
    request.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        out.tryComplete(ar.result());
      } else {
        out.tryFail(ar.cause());
      }
    });
    return out.future();
  }

  /** {@code {"parts":[…]}} or the shorthand {@code {"text":"…"}}; anything else means no answer. */
  public static JsonArray replyParts(Object body) {
    if (body instanceof JsonObject o) {
      if (o.getValue("parts") instanceof JsonArray parts) {
        JsonArray out = new JsonArray();
        parts.forEach(p -> {
          if (p instanceof JsonObject part && isContent(part)) {
            out.add(part);
          }
        });
        return out;
      }
      if (o.getValue("text") instanceof String text && !text.isEmpty()) {
        return new JsonArray().add(new JsonObject().put("type", "plain").put("text", text));
      }
    }
    return new JsonArray();
  }

  private static boolean isContent(JsonObject part) {
    String type = part.getString("type", "");
    return !type.equals("plain") || !part.getString("text", "").isEmpty();
  }
}
