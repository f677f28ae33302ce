package dev.astrgate.store;

import dev.astrgate.auth.ApiKey;
import dev.astrgate.auth.KeyMaterial;
import dev.astrgate.auth.Scopes;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** SQL for the {@code api_keys} table. */
public final class KeyRepository {
  /** NOTIFY channel that tells every node to drop its key cache. */
  public static final String CHANNEL = "astrgate_keys";
  private static final long BOOTSTRAP_LOCK = 0x61737472L;
  private static final String COLUMNS =
      "key_id, name, key_prefix, scopes, created_by, bound_username, created_at, last_used_at, expires_at, revoked_at";

  private final Pool pool;

  public KeyRepository(Pool pool) {
    this.pool = pool;
  }

  /** A key to insert; the raw key itself never reaches this layer, only its hash and prefix. */
  public record NewKey(String name, String keyHash, String keyPrefix, List<String> scopes, String createdBy,
                       String boundUsername, OffsetDateTime expiresAt) {
  }

  public Future<Optional<ApiKey>> findByHash(String keyHash) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM api_keys WHERE key_hash = $1")
        .execute(Tuple.of(keyHash))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(toKey(rows.iterator().next())));
  }

  public Future<ApiKey> insert(NewKey k) {
    String keyId = UUID.randomUUID().toString();
    return pool.preparedQuery("INSERT INTO api_keys (key_id, name, key_hash, key_prefix, scopes, created_by, bound_username, expires_at)"
            + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING " + COLUMNS)
        .execute(Tuple.tuple().addString(keyId).addString(k.name()).addString(k.keyHash()).addString(k.keyPrefix())
            .addValue(k.scopes() == null ? null : new JsonArray(k.scopes())).addString(k.createdBy())
            .addString(k.boundUsername()).addOffsetDateTime(k.expiresAt()))
        .map(rows -> toKey(rows.iterator().next()));
  }

  public Future<List<ApiKey>> list() {
    return pool.query("SELECT " + COLUMNS + " FROM api_keys ORDER BY created_at, inner_id").execute()
        .map(rows -> {
          List<ApiKey> out = new java.util.ArrayList<>();
          rows.forEach(r -> out.add(toKey(r)));
          return out;
        });
  }

  /** What a revocation found. */
  public enum Revocation { REVOKED, ALREADY_REVOKED, NOT_FOUND }

  /** Revokes and notifies every node (the notice is delivered on commit). */
  public Future<Revocation> revoke(String keyId) {
    return pool.withTransaction(conn -> conn
        .preparedQuery("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()), updated_at = now() WHERE key_id = $1"
            + " RETURNING revoked_at = now() AS now_revoked")
        .execute(Tuple.of(keyId))
        .compose(rs -> {
          if (rs.rowCount() == 0) {
            return Future.succeededFuture(Revocation.NOT_FOUND);
          }
          if (!rs.iterator().next().getBoolean("now_revoked")) {
            return Future.succeededFuture(Revocation.ALREADY_REVOKED);
          }
          return conn.preparedQuery("SELECT pg_notify($1, $2)").execute(Tuple.of(CHANNEL, keyId)).map(Revocation.REVOKED);
        }));
  }

  public Future<Void> touch(String keyId) {
    return pool.preparedQuery("UPDATE api_keys SET last_used_at = now() WHERE key_id = $1")
        .execute(Tuple.of(keyId)).mapEmpty();
  }

  /**
   * Stores the operator's bootstrap key if absent; when there is none and no key exists at all, creates one.
   * Runs under an advisory lock so that nodes starting together create at most one key.
   * Returns the raw key only when it was generated here.
   */
  public Future<Optional<String>> bootstrap(String bootstrapRawKey) {
    return pool.withTransaction(conn -> conn.preparedQuery("SELECT pg_advisory_xact_lock($1)").execute(Tuple.of(BOOTSTRAP_LOCK))
        .compose(v -> {
          if (bootstrapRawKey != null) {
            String hash = KeyMaterial.hash(bootstrapRawKey);
            return conn.preparedQuery("SELECT 1 FROM api_keys WHERE key_hash = $1").execute(Tuple.of(hash))
                .compose(rows -> rows.size() > 0 ? Future.succeededFuture(Optional.<String>empty())
                    : insertIn(conn, "bootstrap", bootstrapRawKey).map(Optional.<String>empty()));
          }
          return conn.query("SELECT count(*) FROM api_keys").execute().compose(rows -> {
            if (rows.iterator().next().getLong(0) > 0) {
              return Future.succeededFuture(Optional.<String>empty());
            }
            String raw = KeyMaterial.newRawKey();
            return insertIn(conn, "initial", raw).map(Optional.of(raw));
          });
        }));
  }

  private Future<Void> insertIn(io.vertx.sqlclient.SqlConnection conn, String name, String raw) {
    return conn.preparedQuery("INSERT INTO api_keys (key_id, name, key_hash, key_prefix, scopes, created_by)"
            + " VALUES ($1, $2, $3, $4, $5, 'astrgate')")
        .execute(Tuple.of(UUID.randomUUID().toString(), name, KeyMaterial.hash(raw), KeyMaterial.prefix(raw),
            new JsonArray(Scopes.ALL)))
        .mapEmpty();
  }

  /** An imported AstrBot key awaiting its first use: its id and upstream's PBKDF2 hex. */
  public record LegacyKey(String keyId, String pbkdf2Hex) {
  }

  /** The prefixes of imported keys whose hash is still upstream's (small: one row per not-yet-used old key). */
  public Future<java.util.Set<String>> legacyPrefixes() {
    return pool.preparedQuery("SELECT DISTINCT key_prefix FROM api_keys WHERE key_hash LIKE $1")
        .execute(Tuple.of(dev.astrgate.auth.LegacyKeys.HASH_PREFIX + "%"))
        .map(rows -> {
          java.util.Set<String> out = new java.util.HashSet<>();
          rows.forEach(r -> out.add(r.getString(0)));
          return out;
        });
  }

  public Future<List<LegacyKey>> findLegacy(String keyPrefix) {
    return pool.preparedQuery("SELECT key_id, key_hash FROM api_keys WHERE key_prefix = $1 AND key_hash LIKE $2")
        .execute(Tuple.of(keyPrefix, dev.astrgate.auth.LegacyKeys.HASH_PREFIX + "%"))
        .map(rows -> {
          List<LegacyKey> out = new java.util.ArrayList<>();
          rows.forEach(r -> out.add(new LegacyKey(r.getString(0),
              r.getString(1).substring(dev.astrgate.auth.LegacyKeys.HASH_PREFIX.length()))));
          return out;
        });
  }

  /** Replaces an imported key's PBKDF2 hash with astrgate's; a no-op when another node did it first. */
  public Future<Void> upgradeLegacy(String keyId, String pbkdf2Hex, String newHash) {
    return pool.preparedQuery("UPDATE api_keys SET key_hash = $3, updated_at = now() WHERE key_id = $1 AND key_hash = $2")
        .execute(Tuple.of(keyId, dev.astrgate.auth.LegacyKeys.HASH_PREFIX + pbkdf2Hex, newHash)).mapEmpty();
  }

  static ApiKey toKey(Row r) {
    Object scopes = r.getValue("scopes");
    List<String> scopeList = null;
    if (scopes instanceof JsonArray arr) {
      scopeList = arr.stream().map(String::valueOf).toList();
    }
    return new ApiKey(r.getString("key_id"), r.getString("name"), r.getString("key_prefix"), scopeList,
        r.getString("created_by"), r.getString("bound_username"), utc(r.getOffsetDateTime("created_at")),
        utc(r.getOffsetDateTime("last_used_at")), utc(r.getOffsetDateTime("expires_at")),
        utc(r.getOffsetDateTime("revoked_at")));
  }

  static OffsetDateTime utc(OffsetDateTime t) {
    return t == null ? null : t.withOffsetSameInstant(ZoneOffset.UTC);
  }
}
