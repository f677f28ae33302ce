package dev.astrgate.platform.route;

/** Why the routing client could not deliver a send; the HTTP layer turns the kind into its status. */
public final class SendError extends RuntimeException {
  /** The outcome classes a caller must tell apart. */
  public enum Kind {
    /** No node holds the platform (upstream's "Bot not found or not running"). */
    NOT_RUNNING,
    /** The adapter refused the request itself (upstream's ValueError). */
    INVALID,
    /** The platform refused or failed the send; the message is the platform's own words. */
    REFUSED,
    /** The holder did not answer in time. */
    TIMEOUT,
    /** The cluster could not route the request. */
    UNAVAILABLE
  }

  private final Kind kind;

  public SendError(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
