package dev.astrgate.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The local-only store operations of the chat pipeline; each names the reply type it yields. */
public final class ChatOps {
  private ChatOps() {
  }

  /** A store operation answered by {@link ChatRepository}. */
  public sealed interface Op<R> permits SessionOwner, EnsureSession, OpenSession, AppendHistory, FinishTurn, LoadContext,
      SaveContext,
      LoadRoutes, SetRoute, Hit, AttachmentsMeta, SetTitle {
  }

  /** Creator of a session, or null when it does not exist. */
  public record SessionOwner(String sessionId) implements Op<String> {
  }

  /** Inserts the session if absent; yields the creator that owns it afterwards. */
  public record EnsureSession(String sessionId, String creator, String platformId) implements Op<String> {
  }

  /**
   * The writes that open a session the gateway made for this turn, as one statement: the session row, the
   * rate-limit hit (none when {@code hitBucket} is null) and the user's row; yields the user row's id and time.
   */
  public record OpenSession(String sessionId, String creator, String platformId, String hitBucket, long windowStart,
                            AppendHistory userRow) implements Op<Saved> {
  }

  /** A completed turn's writes as one statement: the bot's row and the new context; yields the bot row's id and time. */
  public record FinishTurn(AppendHistory botRow, SaveContext context) implements Op<Saved> {
  }

  /** A history row; yields its id and creation time. */
  public record AppendHistory(String platformId, String userId, String sender, JsonObject content) implements Op<Saved> {
  }

  public record Saved(long id, String createdAt) {
  }

  /** The current conversation of a UMO: id and OpenAI-format messages, or null. */
  public record LoadContext(String umo) implements Op<Conversation> {
  }

  public record Conversation(String conversationId, JsonArray messages, String title) {
  }

  public record SaveContext(String umo, String platformId, JsonArray messages, long tokens) implements Op<Void> {
  }

  /** The persisted UMO → config id routing table, in insertion order. */
  public record LoadRoutes() implements Op<JsonObject> {
  }

  /** Sets (configId non-null) or removes (null) the route of one UMO. */
  public record SetRoute(String umo, String configId) implements Op<Void> {
  }

  /** Counts one hit in a fixed window; yields the hits so far in that window. */
  public record Hit(String bucket, long windowStart) implements Op<Integer> {
  }

  /** Metadata rows for attachment ids (unknown ids are absent). */
  public record AttachmentsMeta(List<String> ids) implements Op<List<AttachmentRepository.Attachment>> {
  }

  /** Titles a session whose display name is still empty; bumps updated_at as upstream. */
  public record SetTitle(String sessionId, String title) implements Op<Void> {
  }
}
