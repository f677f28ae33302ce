package dev.astrgate.store;

import dev.astrgate.auth.ApiKey;
import dev.astrgate.store.AttachmentRepository.Attachment;
import dev.astrgate.store.AttachmentRepository.AttachmentBytes;
import dev.astrgate.store.SessionRepository.Page;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Typed access to the node's store, run on the caller's context (see {@link StoreAccess}). Every call is bounded
 * by ASTRGATE_DB_TIMEOUT_MS (calls that move a file's bytes get one more bound per 8 MiB). Failures to reach
 * PostgreSQL, and calls past their bound, surface as {@link StoreUnavailableException}; other errors are logged
 * and passed on (they end as 500).
 */
public final class StoreClient {
  private static final Logger LOG = LoggerFactory.getLogger(StoreClient.class);
  private static final long BYTES_PER_BOUND = 8L * 1024 * 1024;

  private final Vertx vertx;

  public StoreClient(Vertx vertx) {
    this.vertx = vertx;
  }

  public Future<Void> ping() {
    return call("ping", r -> r.pool().query("SELECT 1").execute().mapEmpty());
  }

  /**
   * Succeeds at once while the last storage call reached PostgreSQL, else probes it (bounded like any call). Lets a
   * path that writes only after its response has started (a chat stream) refuse with 503 during a known outage.
   */
  public Future<Void> reachable() {
    StoreAccess access = StoreAccess.of(vertx);
    return access != null && !access.unreachable() ? Future.succeededFuture() : ping();
  }

  public Future<Optional<ApiKey>> findKey(String keyHash) {
    return call("key.find", r -> r.keys().findByHash(keyHash));
  }

  public Future<java.util.Set<String>> legacyKeyPrefixes() {
    return call("key.legacy_prefixes", r -> r.keys().legacyPrefixes());
  }

  public Future<List<KeyRepository.LegacyKey>> findLegacyKeys(String keyPrefix) {
    return call("key.legacy_find", r -> r.keys().findLegacy(keyPrefix));
  }

  public Future<Void> upgradeLegacyKey(String keyId, String pbkdf2Hex, String newHash) {
    return call("key.legacy_upgrade", r -> r.keys().upgradeLegacy(keyId, pbkdf2Hex, newHash));
  }

  public Future<Void> touchKey(String keyId) {
    return call("key.touch", r -> r.keys().touch(keyId));
  }

  public Future<Page> listSessions(String username, String platformId, int page, int pageSize) {
    return call("sessions.list", r -> r.sessions().list(username, platformId, page, pageSize));
  }

  public Future<Attachment> saveAttachment(String tempFile, String filename, String mimeType, String type, long sizeBytes) {
    return call("attachment.save", 1 + sizeBytes / BYTES_PER_BOUND, r -> r.attachments().save(tempFile, filename, mimeType, type));
  }

  public Future<Optional<Attachment>> findAttachment(String attachmentId) {
    return call("attachment.find", r -> r.attachments().find(attachmentId));
  }

  public Future<Buffer> readChunk(String attachmentId, int seq) {
    return call("attachment.chunk", r -> r.attachments().chunk(attachmentId, seq));
  }

  /** One chat pipeline operation. */
  public <R> Future<R> chat(ChatOps.Op<R> op) {
    return call("chat", r -> r.chat().execute(op));
  }

  /** The whole attachment, or empty when unknown; {@code data} is null when it is over {@code maxBytes}. */
  public Future<Optional<AttachmentBytes>> readAttachment(String attachmentId, long maxBytes) {
    return call("attachment.read", 1 + maxBytes / BYTES_PER_BOUND, r -> r.attachments().readAll(attachmentId, maxBytes));
  }

  /** The stored value, or null. */
  public Future<JsonObject> preference(String scope, String scopeId, String key) {
    return call("preference.get", r -> r.preferences().get(scope, scopeId, key));
  }

  /**
   * Takes over a leased preference: increments its {@code lease} field (creating the row from {@code initial}
   * when absent) and answers the whole value, so the caller holds the new lease as its fencing token.
   */
  public Future<JsonObject> bumpLease(String scope, String scopeId, String key, JsonObject initial) {
    return call("preference.bump_lease", r -> r.preferences().bumpLease(scope, scopeId, key, initial));
  }

  /** Replaces a leased preference only while its {@code lease} field still equals {@code lease}; answers whether it did. */
  public Future<Boolean> putIfLease(String scope, String scopeId, String key, long lease, JsonObject value) {
    return call("preference.put_if_lease", r -> r.preferences().putIfLease(scope, scopeId, key, lease, value));
  }

  /**
   * {@code result}, failed with a TimeoutException after {@code limitMs}. A timer of this context's event loop:
   * {@code Future.timeout} scheduled each bound on Netty's global executor, a thread woken (and a futex) per call.
   */
  private <T> Future<T> bounded(Future<T> result, long limitMs) {
    if (result.isComplete()) {
      return result;
    }
    Promise<T> out = Promise.promise();
    long timer = vertx.setTimer(limitMs, id -> out.tryFail(new TimeoutException()));
    result.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        out.tryComplete(ar.result());
      } else {
        out.tryFail(ar.cause());
      }
    });
    return out.future();
  }

  private <T> Future<T> call(String what, Function<Repositories, Future<T>> op) {
    return call(what, 1, op);
  }

  private <T> Future<T> call(String what, long bounds, Function<Repositories, Future<T>> op) {
    StoreAccess access = StoreAccess.of(vertx);
    if (access == null) {
      return Future.failedFuture(new StoreUnavailableException("storage unavailable: the store is not running"));
    }
    Future<T> result;
    Repositories repos = access.current();
    try {
      result = op.apply(repos);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    long limit = bounds * access.timeoutMs();
    return bounded(result, limit).andThen(ar -> {
      if (ar.succeeded()) {
        access.reached(true);
      }
    }).recover(err -> {
      if (err instanceof TimeoutException) {
        LOG.warn("store request timed out op={} ms={}", what, limit);
        access.reached(false);
        access.discard(repos);
        return Future.failedFuture(new StoreUnavailableException("storage unavailable: no answer within " + limit + " ms"));
      }
      if (StoreVerticle.isUnavailable(err)) {
        access.reached(false);
        return Future.failedFuture(new StoreUnavailableException("storage unavailable: " + err.getMessage()));
      }
      LOG.warn("store request failed op={} reason={}", what, err.toString());
      return Future.failedFuture(err);
    });
  }
}
