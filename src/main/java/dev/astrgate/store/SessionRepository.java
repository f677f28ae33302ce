package dev.astrgate.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

/** SQL for {@code platform_sessions}. */
public final class SessionRepository {
  private final Pool pool;

  public SessionRepository(Pool pool) {
    this.pool = pool;
  }

  /** One page of a user's sessions plus the total matching the same filters. */
  public record Page(JsonArray sessions, long total) {
  }

  /** Newest {@code updated_at} first; {@code inner_id} breaks ties so pages never overlap. */
  public Future<Page> list(String creator, String platformId, int page, int pageSize) {
    String filter = platformId == null ? "creator = $1" : "creator = $1 AND platform_id = $2";
    java.util.List<Object> params = platformId == null ? java.util.List.of(creator) : java.util.List.of(creator, platformId);
    Tuple args = Tuple.from(params);
    int n = params.size();
    Future<JsonArray> rows = pool.preparedQuery("SELECT session_id, platform_id, creator, display_name, is_group, created_at, updated_at"
            + " FROM platform_sessions WHERE " + filter + " ORDER BY updated_at DESC, inner_id DESC"
            + " OFFSET $" + (n + 1) + " LIMIT $" + (n + 2))
        .execute(Tuple.from(params).addLong((long) (page - 1) * pageSize).addLong((long) pageSize))
        .map(rs -> {
          JsonArray out = new JsonArray();
          rs.forEach(r -> out.add(toJson(r)));
          return out;
        });
    Future<Long> total = pool.preparedQuery("SELECT count(*) FROM platform_sessions WHERE " + filter).execute(args)
        .map(rs -> rs.iterator().next().getLong(0));
    return Future.all(rows, total).map(v -> new Page(rows.result(), total.result()));
  }

  static JsonObject toJson(Row r) {
    return new JsonObject()
        .put("session_id", r.getString("session_id"))
        .put("platform_id", r.getString("platform_id"))
        .put("creator", r.getString("creator"))
        .put("display_name", r.getString("display_name"))
        .put("is_group", r.getInteger("is_group"))
        .put("created_at", Timestamps.iso(r.getOffsetDateTime("created_at")))
        .put("updated_at", Timestamps.iso(r.getOffsetDateTime("updated_at")));
  }
}
