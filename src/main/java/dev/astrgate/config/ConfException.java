package dev.astrgate.config;

/** A conf file that cannot be used, with the file, the JSON path and the reason. */
public final class ConfException extends RuntimeException {
  private final String file;
  private final String jsonPath;
  private final String reason;

  public ConfException(String file, String jsonPath, String reason) {
    super(file + ": " + (jsonPath == null || jsonPath.isEmpty() ? "$" : jsonPath) + ": " + reason);
    this.file = file;
    this.jsonPath = jsonPath;
    this.reason = reason;
  }

  public String file() { return file; }

  public String jsonPath() { return jsonPath; }

  public String reason() { return reason; }
}
