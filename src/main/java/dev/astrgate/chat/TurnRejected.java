package dev.astrgate.chat;

/** A chat request refused before its stream starts: an HTTP status and upstream's exact message. */
public final class TurnRejected extends RuntimeException {
  private final int status;

  public TurnRejected(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
