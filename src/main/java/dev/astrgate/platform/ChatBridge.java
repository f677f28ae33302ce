package dev.astrgate.platform;

import dev.astrgate.cluster.Addresses;
import io.vertx.core.Future;
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
 * bot's answer (empty when there is nothing to send back, or no pipeline is listening).
 */
public final class ChatBridge {
  private static final Logger LOG = LoggerFactory.getLogger(ChatBridge.class);
  /** An LLM turn with tools can take minutes; the pipeline enforces its own, shorter limits. */
  public static final long DEFAULT_TIMEOUT_MS = 300_000;

  private final Vertx vertx;
  private final DeliveryOptions options;

  public ChatBridge(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMs);
  }

  public Future<JsonArray> ask(JsonObject inbound) {
    return vertx.eventBus().<Object>request(Addresses.CHAT_INBOUND, inbound, options)
        .map(msg -> replyParts(msg.body()))
        .recover(err -> {
          if (err instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS) {
            LOG.debug("no chat pipeline for inbound umo={}", inbound.getString("umo"));
            return Future.succeededFuture(new JsonArray());
          }
          return Future.failedFuture(err);
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
