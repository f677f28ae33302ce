package dev.astrgate.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/**
 * SQL for {@code preferences}, including leased values: a row whose JSON carries a {@code lease} number that a new
 * owner increments on takeover, so that a late write by the previous owner is refused (a fencing token).
 */
public final class PreferenceRepository {
  private final Pool pool;

  public PreferenceRepository(Pool pool) {
    this.pool = pool;
  }

  public Future<JsonObject> get(String scope, String scopeId, String key) {
    return pool.preparedQuery("SELECT value FROM preferences WHERE scope = $1 AND scope_id = $2 AND key = $3")
        .execute(Tuple.of(scope, scopeId, key))
        .map(rows -> rows.size() == 0 ? null : toJson(rows.iterator().next().getValue(0)));
  }

  /** One statement, so the increment and the read are atomic against a concurrent takeover. */
  public Future<JsonObject> bumpLease(String scope, String scopeId, String key, JsonObject initial) {
    JsonObject first = initial.copy().put("lease", 1L);
    return pool.preparedQuery("INSERT INTO preferences (scope, scope_id, key, value) VALUES ($1, $2, $3, $4)"
            + " ON CONFLICT (scope, scope_id, key) DO UPDATE SET value = jsonb_set(preferences.value, '{lease}',"
            + " to_jsonb(COALESCE((preferences.value->>'lease')::bigint, 0) + 1)), updated_at = now()"
            + " RETURNING value")
        .execute(Tuple.of(scope, scopeId, key, first))
        .map(rows -> toJson(rows.iterator().next().getValue(0)));
  }

  /**
   * The UPDATE takes the row lock and re-checks the lease on the newest row version, so it cannot interleave
   * with a takeover: either it lands before the takeover reads the value, or it changes nothing.
   */
  public Future<Boolean> putIfLease(String scope, String scopeId, String key, long lease, JsonObject value) {
    return pool.preparedQuery("UPDATE preferences SET value = $5, updated_at = now()"
            + " WHERE scope = $1 AND scope_id = $2 AND key = $3 AND (value->>'lease')::bigint = $4")
        .execute(Tuple.of(scope, scopeId, key, lease, value.copy().put("lease", lease)))
        .map(rows -> rows.rowCount() == 1);
  }

  private static JsonObject toJson(Object v) {
    if (v instanceof JsonObject o) {
      return o;
    }
    return v == null ? null : new JsonObject(v.toString());
  }
}
