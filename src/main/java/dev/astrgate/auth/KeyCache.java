package dev.astrgate.auth;

import dev.astrgate.store.StoreClient;
import dev.astrgate.store.StoreUnavailableException;
import io.vertx.core.Future;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Node-wide cache of keys by hash, so a warm key costs no database round trip. Entries are dropped on every
 * key change notice (revocation is published through PostgreSQL NOTIFY) and expire after a short TTL as a backstop.
 */
public final class KeyCache {
  private static final long TTL_NANOS = 30_000_000_000L;
  /** While PostgreSQL is down, a key seen recently keeps working for this long. */
  private static final long STALE_NANOS = 300_000_000_000L;
  private static final long TOUCH_EVERY_NANOS = 60_000_000_000L;
  private static final int MAX_ENTRIES = 100_000;

  private record Entry(ApiKey key, long fetchedAt) {
  }

  private final StoreClient store;
  private final ConcurrentHashMap<String, Entry> byHash = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Long> lastTouch = new ConcurrentHashMap<>();

  public KeyCache(StoreClient store) {
    this.store = store;
  }

  /** The cached key when fresh, else null (the caller then goes through {@link #load}). */
  public ApiKey peek(String keyHash) {
    Entry e = byHash.get(keyHash);
    return e != null && System.nanoTime() - e.fetchedAt() < TTL_NANOS ? e.key() : null;
  }

  public Future<Optional<ApiKey>> load(String keyHash) {
    Entry previous = byHash.get(keyHash);
    return store.findKey(keyHash).map(found -> {
      if (found.isPresent()) {
        if (byHash.size() >= MAX_ENTRIES) {
          byHash.clear();
        }
        byHash.put(keyHash, new Entry(found.get(), System.nanoTime()));
      } else {
        byHash.remove(keyHash);
      }
      return found;
    }).recover(err -> err instanceof StoreUnavailableException && previous != null
        && System.nanoTime() - previous.fetchedAt() < STALE_NANOS
        ? Future.succeededFuture(Optional.of(previous.key()))
        : Future.failedFuture(err));
  }

  /** Drops everything; called when any key changed anywhere. */
  public void invalidateAll() {
    byHash.clear();
  }

  /** True at most once a minute per key: the caller then records {@code last_used_at}. */
  public boolean shouldTouch(String keyId) {
    long now = System.nanoTime();
    Long last = lastTouch.get(keyId);
    if (last != null && now - last < TOUCH_EVERY_NANOS) {
      return false;
    }
    return last == null ? lastTouch.putIfAbsent(keyId, now) == null : lastTouch.replace(keyId, last, now);
  }
}
