package dev.astrgate.store;

/** The local-only messages StoreVerticle answers; each travels on its own address in Addresses. */
public final class StoreRequests {
  private StoreRequests() {
  }

  public record Ping() {
  }

  public record FindKey(String keyHash) {
  }

  public record TouchKey(String keyId) {
  }

  public record ListSessions(String username, String platformId, int page, int pageSize) {
  }

  public record SaveAttachment(String tempFile, String filename, String mimeType, String type) {
  }

  public record FindAttachment(String attachmentId) {
  }

  public record ReadChunk(String attachmentId, int seq) {
  }

  /** Reads a whole attachment into memory; refused when it is larger than {@code maxBytes}. */
  public record ReadAttachment(String attachmentId, long maxBytes) {
  }


  /** Reads a preference value (the {@code value} JSON, or null when absent). */
  public record GetPreference(String scope, String scopeId, String key) {
  }

  /**
   * Takes over a leased preference: increments its {@code lease} field (creating the row from {@code initial}
   * when absent) and answers the whole value, so the caller holds the new lease as its fencing token.
   */
  public record BumpLease(String scope, String scopeId, String key, io.vertx.core.json.JsonObject initial) {
  }

  /** Replaces a leased preference only while its {@code lease} field still equals {@code lease}; answers whether it did. */
  public record PutIfLease(String scope, String scopeId, String key, long lease, io.vertx.core.json.JsonObject value) {
  }
}
