package dev.astrgate.store;

import dev.astrgate.store.ChatOps.AppendHistory;
import dev.astrgate.store.ChatOps.AttachmentsMeta;
import dev.astrgate.store.ChatOps.Conversation;
import dev.astrgate.store.ChatOps.EnsureSession;
import dev.astrgate.store.ChatOps.FinishTurn;
import dev.astrgate.store.ChatOps.OpenSession;
import dev.astrgate.store.ChatOps.Hit;
import dev.astrgate.store.ChatOps.LoadContext;
import dev.astrgate.store.ChatOps.LoadRoutes;
import dev.astrgate.store.ChatOps.Op;
import dev.astrgate.store.ChatOps.SaveContext;
import dev.astrgate.store.ChatOps.Saved;
import dev.astrgate.store.ChatOps.SessionOwner;
import dev.astrgate.store.ChatOps.SetRoute;
import dev.astrgate.store.ChatOps.SetTitle;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.UUID;

/** SQL behind the chat pipeline: sessions, history, LLM context, config routes, rate-limit windows. */
public final class ChatRepository {
  private static final String ROUTES_KEY = "umop_config_routing";

  private static final String INSERT_HISTORY = historyInsert(1);

  /**
   * The UMO's current conversation ($1 umo, $2 platform, $3 messages, $4 tokens, $5 a new id): replaced when it
   * exists, else created; {@link #CONTEXT_POINTER} then points the UMO at a created one.
   */
  private static final String CONTEXT_CTE = "WITH cur AS (SELECT value->>'val' AS id FROM preferences"
      + " WHERE scope = 'umo' AND scope_id = $1::varchar AND key = 'sel_conv_id' FOR UPDATE),"
      + " upd AS (UPDATE conversations SET content = $3::jsonb, token_usage = token_usage + $4::int, updated_at = now()"
      + " WHERE conversation_id = (SELECT id FROM cur) RETURNING 1),"
      + " ins AS (INSERT INTO conversations (conversation_id, platform_id, user_id, content, token_usage)"
      + " SELECT $5::varchar, $2::varchar, $1::varchar, $3::jsonb, $4::int WHERE NOT EXISTS (SELECT 1 FROM cur)"
      + " RETURNING conversation_id)";
  private static final String CONTEXT_POINTER = "INSERT INTO preferences (scope, scope_id, key, value)"
      + " SELECT 'umo', $1, 'sel_conv_id', jsonb_build_object('val', conversation_id) FROM ins"
      + " ON CONFLICT (scope, scope_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()";
  private static final String HIT = "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1)"
      + " ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits";

  private final Pool pool;
  private final AttachmentRepository attachments;
  /** The writes of the chat pipeline, when this repository serves one event loop; else null (each runs alone). */
  private final GroupCommit group;

  public ChatRepository(Pool pool, AttachmentRepository attachments) {
    this(pool, attachments, false);
  }

  /**
   * {@code batching}: the pipeline's writes nothing waits for before its stream (history rows, a new
   * session's rows, contexts) are group-committed; only for a repository used from a single event loop (its queue is not shared across threads).
   */
  ChatRepository(Pool pool, AttachmentRepository attachments, boolean batching) {
    this.pool = pool;
    this.attachments = attachments;
    this.group = batching ? new GroupCommit(pool) : null;
  }

  /** A write of the pipeline: in the event loop's next group commit, or alone. */
  private Future<RowSet<Row>> write(String sql, Tuple args) {
    return group == null ? pool.preparedQuery(sql).execute(args) : group.submit(sql, args);
  }

  /** Runs one operation; the cast is safe because each record fixes its reply type. */
  @SuppressWarnings("unchecked")
  public <R> Future<R> execute(Op<R> op) {
    Future<?> f;
    if (op instanceof SessionOwner o) {
      f = owner(o.sessionId());
    } else if (op instanceof EnsureSession o) {
      f = ensureSession(o);
    } else if (op instanceof AppendHistory o) {
      f = appendHistory(o);
    } else if (op instanceof OpenSession o) {
      f = openSession(o);
    } else if (op instanceof FinishTurn o) {
      f = finishTurn(o);
    } else if (op instanceof LoadContext o) {
      f = loadContext(o.umo());
    } else if (op instanceof SaveContext o) {
      f = saveContext(o);
    } else if (op instanceof LoadRoutes) {
      f = loadRoutes();
    } else if (op instanceof SetRoute o) {
      f = setRoute(o);
    } else if (op instanceof Hit o) {
      f = hit(o);
    } else if (op instanceof AttachmentsMeta o) {
      f = attachments.findAll(o.ids());
    } else if (op instanceof SetTitle o) {
      f = pool.preparedQuery("UPDATE platform_sessions SET display_name = $2, updated_at = now()"
          + " WHERE session_id = $1 AND display_name IS NULL").execute(Tuple.of(o.sessionId(), o.title())).mapEmpty();
    } else {
      f = Future.failedFuture(new IllegalArgumentException("unknown chat store op " + op));
    }
    return (Future<R>) f;
  }

  private Future<String> owner(String sessionId) {
    return pool.preparedQuery("SELECT creator FROM platform_sessions WHERE session_id = $1").execute(Tuple.of(sessionId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString(0));
  }

  private Future<String> ensureSession(EnsureSession o) {
    // ON CONFLICT keeps the first creator when two requests race; the caller compares the returned owner. One
    // statement inserts and reads; only when a racing insert committed after this statement's snapshot does it see
    // neither row, and then a second read settles it.
    // The stream waits for this one (a racing creator gets 409), so it never queues behind a batch.
    return pool.preparedQuery("WITH ins AS (INSERT INTO platform_sessions (session_id, platform_id, creator)"
            + " VALUES ($1, $2, $3) ON CONFLICT (session_id) DO NOTHING RETURNING creator)"
            + " SELECT creator FROM ins UNION ALL SELECT creator FROM platform_sessions WHERE session_id = $1 LIMIT 1")
        .execute(Tuple.of(o.sessionId(), o.platformId(), o.creator()))
        .compose(rows -> rows.size() > 0 ? Future.succeededFuture(rows.iterator().next().getString(0))
            : owner(o.sessionId()));
  }

  /**
   * A session made for this turn, its hit and its user row in one statement (one round trip, one executor run)
   * rather than three; the caller knows the session is new, so the creator is not read back.
   */
  private Future<Saved> openSession(OpenSession o) {
    AppendHistory u = o.userRow();
    return write("WITH s AS (INSERT INTO platform_sessions (session_id, platform_id, creator)"
            + " VALUES ($1, $2, $3) ON CONFLICT (session_id) DO NOTHING),"
            + " h AS (INSERT INTO rate_limits (bucket, window_start, hits) SELECT $4::varchar, $5::bigint, 1"
            + " WHERE $4::varchar IS NOT NULL"
            + " ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1)"
            + " " + historyInsert(6),
        Tuple.of(o.sessionId(), o.platformId(), o.creator(), o.hitBucket(), o.windowStart())
            .addString(u.platformId()).addString(u.userId()).addString(u.sender()).addValue(u.content()))
        .map(rows -> saved(rows.iterator().next()));
  }

  /** The bot's row and the new context in one statement: the context's CTEs, then the row. */
  private Future<Saved> finishTurn(FinishTurn o) {
    AppendHistory b = o.botRow();
    return write(CONTEXT_CTE + ", pointer AS (" + CONTEXT_POINTER + ") " + historyInsert(6),
        contextArgs(o.context()).addString(b.platformId()).addString(b.userId()).addString(b.sender())
            .addValue(b.content()))
        .map(rows -> saved(rows.iterator().next()));
  }

  /** One history row, in the event loop's next group commit: its caller hears of it once it is committed. */
  private Future<Saved> appendHistory(AppendHistory o) {
    return write(INSERT_HISTORY, row(o)).map(rows -> saved(rows.iterator().next()));
  }

  /** A history row's insert, its parameters (platform, user, sender, content) numbered from {@code first}. */
  private static String historyInsert(int first) {
    return "INSERT INTO platform_message_history (platform_id, user_id, sender_id, sender_name, content)"
        + " VALUES ($" + first + ", $" + (first + 1) + ", $" + (first + 2) + ", $" + (first + 2) + ", $" + (first + 3)
        + ") RETURNING id, created_at";
  }

  private static Tuple row(AppendHistory o) {
    return Tuple.of(o.platformId(), o.userId(), o.sender(), o.content());
  }

  private static Saved saved(Row r) {
    return new Saved(r.getLong("id"), Timestamps.iso(r.getOffsetDateTime("created_at")));
  }

  private Future<Conversation> loadContext(String umo) {
    return pool.preparedQuery("SELECT c.conversation_id, c.content, c.title FROM preferences p"
            + " JOIN conversations c ON c.conversation_id = p.value->>'val'"
            + " WHERE p.scope = 'umo' AND p.scope_id = $1 AND p.key = 'sel_conv_id'")
        .execute(Tuple.of(umo))
        .map(rows -> {
          if (rows.size() == 0) {
            return null;
          }
          Row r = rows.iterator().next();
          Object content = r.getValue("content");
          return new Conversation(r.getString("conversation_id"),
              content instanceof JsonArray a ? a : new JsonArray(), r.getString("title"));
        });
  }

  /**
   * Creates the UMO's current conversation on its first turn, else replaces its messages: one statement, so one
   * round trip and one commit (it was a transaction of four round trips). Turns of one session never overlap (the
   * session lock), so the row read under FOR UPDATE is the one the statement writes.
   */
  private Future<Void> saveContext(SaveContext o) {
    return write(CONTEXT_CTE + " " + CONTEXT_POINTER, contextArgs(o)).mapEmpty();
  }

  private static Tuple contextArgs(SaveContext o) {
    return Tuple.of(o.umo(), o.platformId(), o.messages(), o.tokens(), UUID.randomUUID().toString());
  }

  private Future<JsonObject> loadRoutes() {
    return pool.preparedQuery("SELECT value->'val' FROM preferences WHERE scope = 'global' AND scope_id = 'global' AND key = $1")
        .execute(Tuple.of(ROUTES_KEY))
        .map(rows -> rows.size() == 0 || !(rows.iterator().next().getValue(0) instanceof JsonObject o) ? new JsonObject() : o);
  }

  /** Edits one entry in place with jsonb operators, so concurrent routes for different UMOs never overwrite each other. */
  private Future<Void> setRoute(SetRoute o) {
    if (o.configId() == null) {
      return pool.preparedQuery("UPDATE preferences SET value = value #- ARRAY['val', $2], updated_at = now()"
              + " WHERE scope = 'global' AND scope_id = 'global' AND key = $1")
          .execute(Tuple.of(ROUTES_KEY, o.umo())).mapEmpty();
    }
    return pool.preparedQuery("INSERT INTO preferences (scope, scope_id, key, value)"
            + " VALUES ('global', 'global', $1, jsonb_build_object('val', jsonb_build_object($2::text, $3::text)))"
            + " ON CONFLICT (scope, scope_id, key) DO UPDATE"
            + " SET value = jsonb_set(preferences.value, ARRAY['val', $2], to_jsonb($3::text), true), updated_at = now()")
        .execute(Tuple.of(ROUTES_KEY, o.umo(), o.configId())).mapEmpty();
  }

  /** A hit the turn waits for: on its own, never behind a batch. */
  private Future<Integer> hit(Hit o) {
    return pool.preparedQuery(HIT).execute(Tuple.of(o.bucket(), o.windowStart()))
        .map(rows -> rows.iterator().next().getInteger(0));
  }

  /** Removes windows that ended long ago; called now and then by the store verticle. */
  public Future<Integer> pruneRateLimits(long olderThanEpochSeconds) {
    return pool.preparedQuery("DELETE FROM rate_limits WHERE window_start < $1").execute(Tuple.of(olderThanEpochSeconds))
        .map(rows -> rows.rowCount());
  }
}
