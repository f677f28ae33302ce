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
}
