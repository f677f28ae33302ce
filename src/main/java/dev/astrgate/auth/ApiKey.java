package dev.astrgate.auth;

import java.time.OffsetDateTime;
import java.util.List;

/** A stored API key without its hash. {@code scopes} null means all scopes, as upstream. */
public record ApiKey(
    String keyId,
    String name,
    String keyPrefix,
    List<String> scopes,
    String createdBy,
    String boundUsername,
    OffsetDateTime createdAt,
    OffsetDateTime lastUsedAt,
    OffsetDateTime expiresAt,
    OffsetDateTime revokedAt) {

  public boolean hasScope(String scope) {
    return scopes == null || scopes.contains("*") || scopes.contains(scope);
  }

  public boolean usableAt(OffsetDateTime now) {
    return revokedAt == null && (expiresAt == null || expiresAt.isAfter(now));
  }
}
