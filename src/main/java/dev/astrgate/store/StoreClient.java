package dev.astrgate.store;

import dev.astrgate.auth.ApiKey;
import dev.astrgate.cluster.Addresses;
import dev.astrgate.store.AttachmentRepository.Attachment;
import dev.astrgate.store.AttachmentRepository.AttachmentBytes;
import dev.astrgate.store.StoreRequests.BumpLease;
import dev.astrgate.store.StoreRequests.GetPreference;
import dev.astrgate.store.StoreRequests.PutIfLease;
import dev.astrgate.store.StoreRequests.ReadAttachment;
import io.vertx.core.json.JsonObject;
import dev.astrgate.store.SessionRepository.Page;
import dev.astrgate.store.StoreRequests.FindAttachment;
import dev.astrgate.store.StoreRequests.FindKey;
import dev.astrgate.store.StoreRequests.ListSessions;
import dev.astrgate.store.StoreRequests.Ping;
import dev.astrgate.store.StoreRequests.ReadChunk;
import dev.astrgate.store.StoreRequests.SaveAttachment;
import dev.astrgate.store.StoreRequests.TouchKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.Optional;

/** Typed, local-only access to the node's StoreVerticle. Failures to reach PostgreSQL surface as StoreUnavailableException. */
public final class StoreClient {
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true).setSendTimeout(15_000);

  private final Vertx vertx;

  public StoreClient(Vertx vertx) {
    this.vertx = vertx;
  }

  public Future<Void> ping() {
    return ask(Addresses.STORE_PING, new Ping()).mapEmpty();
  }

  public Future<Optional<ApiKey>> findKey(String keyHash) {
    return ask(Addresses.STORE_KEY_FIND, new FindKey(keyHash));
  }

  public Future<Void> touchKey(String keyId) {
    return ask(Addresses.STORE_KEY_TOUCH, new TouchKey(keyId)).mapEmpty();
  }

  public Future<Page> listSessions(String username, String platformId, int page, int pageSize) {
    return ask(Addresses.STORE_SESSIONS_LIST, new ListSessions(username, platformId, page, pageSize));
  }

  public Future<Attachment> saveAttachment(String tempFile, String filename, String mimeType, String type) {
    return ask(Addresses.STORE_ATTACHMENT_SAVE, new SaveAttachment(tempFile, filename, mimeType, type));
  }

  public Future<Optional<Attachment>> findAttachment(String attachmentId) {
    return ask(Addresses.STORE_ATTACHMENT_FIND, new FindAttachment(attachmentId));
  }

  public Future<Buffer> readChunk(String attachmentId, int seq) {
    return ask(Addresses.STORE_ATTACHMENT_CHUNK, new ReadChunk(attachmentId, seq));
  }

  /** One chat pipeline operation. */
  public <R> Future<R> chat(ChatOps.Op<R> op) {
    return ask(Addresses.STORE_CHAT, op);
  }

  /** The whole attachment, or empty when unknown; {@code data} is null when it is over {@code maxBytes}. */
  public Future<Optional<AttachmentBytes>> readAttachment(String attachmentId, long maxBytes) {
    return ask(Addresses.STORE_ATTACHMENT_READ, new ReadAttachment(attachmentId, maxBytes));
  }

  /** The stored value, or null. */
  public Future<JsonObject> preference(String scope, String scopeId, String key) {
    return ask(Addresses.STORE_PREF_GET, new GetPreference(scope, scopeId, key));
  }

  public Future<JsonObject> bumpLease(String scope, String scopeId, String key, JsonObject initial) {
    return ask(Addresses.STORE_PREF_BUMP_LEASE, new BumpLease(scope, scopeId, key, initial));
  }

  public Future<Boolean> putIfLease(String scope, String scopeId, String key, long lease, JsonObject value) {
    return ask(Addresses.STORE_PREF_PUT_IF_LEASE, new PutIfLease(scope, scopeId, key, lease, value));
  }

  private <T> Future<T> ask(String address, Object request) {
    return vertx.eventBus().<T>request(address, request, LOCAL)
        .map(Message::body)
        .recover(StoreClient::translate);
  }

  private static <T> Future<T> translate(Throwable t) {
    if (t instanceof ReplyException re
        && (re.failureCode() == StoreVerticle.UNAVAILABLE || re.failureType() != ReplyFailure.RECIPIENT_FAILURE)) {
      return Future.failedFuture(new StoreUnavailableException(re.getMessage()));
    }
    return Future.failedFuture(t);
  }
}
