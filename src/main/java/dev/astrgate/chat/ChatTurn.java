package dev.astrgate.chat;

import dev.astrgate.platform.webchat.Webchat;
import io.vertx.core.json.JsonArray;

/**
 * A validated chat turn, ready to run. {@code parts} are the message parts as stored in history;
 * {@code configId} is the config the turn runs under; {@code routeUpdate} is what to persist for the session's
 * route ({@code null}: leave it, {@code "default"}: remove it, else set it). {@code generatedSession}: the gateway
 * made the session id for this turn, so nothing about it can exist yet (no context, no rate-limit hits, no rival
 * creator) and the turn reads nothing before calling upstream.
 */
public record ChatTurn(
    String platformId,
    String username,
    String sessionId,
    String umo,
    String messageId,
    JsonArray parts,
    String selectedProvider,
    String selectedModel,
    Boolean streamingOverride,
    String configId,
    String routeUpdate,
    boolean newSession,
    boolean generatedSession) {

  public boolean webchat() {
    return Webchat.is(platformId);
  }

  /** Webchat's UMO: upstream keys the LLM context by user and session. */
  public static String webchatUmo(String username, String sessionId) {
    return Webchat.umo(username, sessionId);
  }
}
