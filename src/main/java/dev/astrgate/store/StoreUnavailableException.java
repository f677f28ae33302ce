package dev.astrgate.store;

/** PostgreSQL cannot be reached; the HTTP layer answers 503. */
public final class StoreUnavailableException extends RuntimeException {
  public StoreUnavailableException(String message) {
    super(message, null, false, false);
  }
}
