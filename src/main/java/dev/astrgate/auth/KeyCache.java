package dev.astrgate.auth;

import dev.astrgate.store.StoreClient;
import dev.astrgate.store.StoreUnavailableException;
import dev.astrgate.store.KeyRepository;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.Set;
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

  /** Imported AstrBot keys: at most this many PBKDF2 checks run at once per node, this many more wait, beyond: refused. */
  private static final int LEGACY_IN_FLIGHT = 2;
  private static final int LEGACY_QUEUE = 256;
  private static final long LEGACY_PREFIX_TTL_NANOS = 30_000_000_000L;
  private static final long LEGACY_MISS_TTL_NANOS = 600_000_000_000L;

  private final StoreClient store;
  private final ConcurrentHashMap<String, Entry> byHash = new ConcurrentHashMap<>();
  /** Prefixes of imported keys not yet upgraded, and when they were read; null until first needed. */
  private volatile Set<String> legacyPrefixes;
  private volatile long legacyPrefixesAt;
  /** SHA-256 of raw keys that matched a legacy prefix but not its hash: not checked again for a while. */
  private final ConcurrentHashMap<String, Long> legacyMisses = new ConcurrentHashMap<>();
  private int legacyInFlight;
  private final ArrayDeque<Runnable> legacyWaiting = new ArrayDeque<>();
  private final ConcurrentHashMap<String, Long> lastTouch = new ConcurrentHashMap<>();

  public KeyCache(StoreClient store) {
    this.store = store;
  }

  /** The cached key when fresh, else null (the caller then goes through {@link #load}). */
  public ApiKey peek(String keyHash) {
    Entry e = byHash.get(keyHash);
    return e != null && System.nanoTime() - e.fetchedAt() < TTL_NANOS ? e.key() : null;
  }

  /**
   * {@link #load(String)}, then, for a key not found, the import path: when its first 12 characters are the prefix
   * of an imported AstrBot key, one PBKDF2 check against that key's upstream hash, and on a match the row is
   * upgraded to astrgate's hash. A key whose prefix matches no imported key costs no PBKDF2 and no extra query.
   */
  public Future<Optional<ApiKey>> load(String rawKey, String keyHash) {
    return load(keyHash).compose(found -> found.isPresent() ? Future.succeededFuture(found) : legacy(rawKey, keyHash));
  }

  private Future<Optional<ApiKey>> legacy(String rawKey, String keyHash) {
    String prefix = KeyMaterial.prefix(rawKey);
    return legacyPrefixes().compose(prefixes -> {
      Long missedAt = legacyMisses.get(keyHash);
      if (!prefixes.contains(prefix) || (missedAt != null && System.nanoTime() - missedAt < LEGACY_MISS_TTL_NANOS)) {
        return Future.succeededFuture(Optional.<ApiKey>empty());
      }
      return legacySlot().compose(admitted -> !admitted ? Future.succeededFuture(Optional.<ApiKey>empty())
          : checkLegacy(rawKey, keyHash, prefix));
    });
  }

  private Future<Optional<ApiKey>> checkLegacy(String rawKey, String keyHash, String prefix) {
    return store.findLegacyKeys(prefix).compose(candidates -> candidates.isEmpty()
              ? Future.succeededFuture(Optional.<KeyRepository.LegacyKey>empty())
              : pbkdf2(rawKey).map(hex -> candidates.stream().filter(c -> LegacyKeys.sameHash(hex, c.pbkdf2Hex())).findFirst()))
          .eventually(() -> {
            releaseSlot();
            return Future.succeededFuture();
          })
          .compose(match -> {
            if (match.isEmpty()) {
              if (legacyMisses.size() >= MAX_ENTRIES) {
                legacyMisses.clear();
              }
              legacyMisses.put(keyHash, System.nanoTime());
              return Future.succeededFuture(Optional.<ApiKey>empty());
            }
            return store.upgradeLegacyKey(match.get().keyId(), match.get().pbkdf2Hex(), keyHash)
                .compose(v -> {
                  legacyPrefixes = null;
                  return load(keyHash);
                });
          });
  }

  /** A PBKDF2 slot: now, or when one frees up (resumed on the caller's context); false when too many wait. */
  private Future<Boolean> legacySlot() {
    Context ctx = Vertx.currentContext();
    synchronized (legacyWaiting) {
      if (legacyInFlight < LEGACY_IN_FLIGHT) {
        legacyInFlight++;
        return Future.succeededFuture(true);
      }
      if (legacyWaiting.size() >= LEGACY_QUEUE || ctx == null) {
        return Future.succeededFuture(false);
      }
      Promise<Boolean> slot = Promise.promise();
      legacyWaiting.add(() -> ctx.runOnContext(v -> slot.complete(true)));
      return slot.future();
    }
  }

  /** Hands the slot to the next waiter, if any. */
  private void releaseSlot() {
    Runnable next;
    synchronized (legacyWaiting) {
      next = legacyWaiting.poll();
      if (next == null) {
        legacyInFlight--;
      }
    }
    if (next != null) {
      next.run();
    }
  }

  private Future<String> pbkdf2(String rawKey) {
    Context ctx = Vertx.currentContext();
    return ctx == null ? Future.succeededFuture(LegacyKeys.pbkdf2Hex(rawKey))
        : ctx.owner().executeBlocking(() -> LegacyKeys.pbkdf2Hex(rawKey), false);
  }

  private Future<Set<String>> legacyPrefixes() {
    Set<String> known = legacyPrefixes;
    if (known != null && System.nanoTime() - legacyPrefixesAt < LEGACY_PREFIX_TTL_NANOS) {
      return Future.succeededFuture(known);
    }
    return store.legacyKeyPrefixes().map(read -> {
      legacyPrefixes = Set.copyOf(read);
      legacyPrefixesAt = System.nanoTime();
      return legacyPrefixes;
    });
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
    legacyPrefixes = null;
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
