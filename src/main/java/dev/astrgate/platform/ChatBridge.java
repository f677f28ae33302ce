package dev.astrgate.platform;

import dev.astrgate.cluster.Addresses;
import io.micrometer.core.instrument.Counter;
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

  private final Vertx vertx;
  private final DeliveryOptions options;
  private final long noPipelineWaitMs;
  private final Counter dropped;

  public ChatBridge(Vertx vertx, long timeoutMs) {
    this(vertx, timeoutMs, DEFAULT_NO_PIPELINE_WAIT_MS, null);
  }

  public ChatBridge(Vertx vertx, long timeoutMs, long noPipelineWaitMs) {
    this(vertx, timeoutMs, noPipelineWaitMs, null);
  }

  /** {@code dropped} counts messages given up for want of a pipeline (built once per adapter; may be null). */
  public ChatBridge(Vertx vertx, long timeoutMs, long noPipelineWaitMs, Counter dropped) {
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
    vertx.eventBus().<Object>request(Addresses.CHAT_INBOUND.name(), inbound, options).onComplete(ar -> {
      if (ar.succeeded()) {
        answer.complete(replyParts(ar.result().body()));
        return;
      }
      if (!(ar.cause() instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS)) {
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
        LOG.info("no chat pipeline registered, retrying umo={}", inbound.getString("umo"));
      }
      vertx.setTimer(backoffMs, t -> attempt(inbound, since, Math.min(MAX_RETRY_MS, backoffMs * 2), answer));
    });
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
