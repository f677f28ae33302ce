package dev.astrgate.provider;

/**
 * Why a provider call failed. {@link #errorType()} and {@link #getMessage()} end up in the user-facing text
 * "Error Type: ... / Error Message: ...", so they name the upstream's status and its own error words, never a key.
 */
public final class ProviderException extends RuntimeException {
  /** The broad failure class. */
  public enum Kind { HTTP_STATUS, TIMEOUT, CONNECTION, MALFORMED, INTERRUPTED, CANCELLED }

  private final Kind kind;
  private final String errorType;
  private final int status;

  public ProviderException(Kind kind, String errorType, String message, int status, Throwable cause) {
    // No stack trace: these are expected outcomes and are logged by their message.
    super(message, cause, false, false);
    this.kind = kind;
    this.errorType = errorType;
    this.status = status;
  }

  public Kind kind() {
    return kind;
  }

  /** Short type name in the style of the OpenAI SDK, e.g. AuthenticationError. */
  public String errorType() {
    return errorType;
  }

  /** The upstream HTTP status, or 0 when there was none (timeouts, connection failures, stream errors). */
  public int status() {
    return status;
  }

  /** Maps an upstream status to the SDK-style type: 401 AuthenticationError, 429 RateLimitError, else APIStatusError. */
  public static ProviderException httpStatus(int status, String message) {
    String type = switch (status) {
      case 401 -> "AuthenticationError";
      case 429 -> "RateLimitError";
      default -> "APIStatusError";
    };
    return new ProviderException(Kind.HTTP_STATUS, type, message, status, null);
  }

  /** An error reported inside a 200 stream (OpenAI error chunk, Anthropic error event). */
  public static ProviderException streamError(String message) {
    return new ProviderException(Kind.HTTP_STATUS, "APIStatusError", message, 0, null);
  }

  public static ProviderException timeout(String message) {
    return new ProviderException(Kind.TIMEOUT, "APITimeoutError", message, 0, null);
  }

  public static ProviderException connection(String message, Throwable cause) {
    return new ProviderException(Kind.CONNECTION, "APIConnectionError", message, 0, cause);
  }

  public static ProviderException malformed(String message) {
    return new ProviderException(Kind.MALFORMED, "MalformedResponseError", message, 0, null);
  }

  public static ProviderException interrupted(String message, Throwable cause) {
    return new ProviderException(Kind.INTERRUPTED, "StreamInterruptedError", message, 0, cause);
  }

  public static ProviderException cancelled() {
    return new ProviderException(Kind.CANCELLED, "CancelledError", "the request was cancelled", 0, null);
  }
}
