package dev.astrgate.platform;

/**
 * Why a platform send failed, carried back over the bus as the reply's failure code: {@link #INVALID} for a request
 * the adapter refuses (upstream's ValueError, answered as is), {@link #REFUSED} for the platform's own refusal or
 * silence (answered "Failed to send message: …").
 */
public final class SendFailure extends RuntimeException {
  public static final int INVALID = 400;
  public static final int REFUSED = 502;

  private final int code;

  public SendFailure(int code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public static SendFailure refused(String message) {
    return new SendFailure(REFUSED, message);
  }

  public int code() {
    return code;
  }

  /** The failure code for any error an adapter raised. */
  public static int codeOf(Throwable t) {
    return t instanceof SendFailure f ? f.code : REFUSED;
  }
}
