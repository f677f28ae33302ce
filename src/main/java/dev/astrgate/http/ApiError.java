package dev.astrgate.http;

/** An expected failure with its HTTP status and upstream's exact message; carries no stack trace. */
public final class ApiError extends RuntimeException {
  private final int status;

  public ApiError(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  public int status() {
    return status;
  }

  public static ApiError badRequest(String message) {
    return new ApiError(400, message);
  }

  public static ApiError notFound(String message) {
    return new ApiError(404, message);
  }
}
