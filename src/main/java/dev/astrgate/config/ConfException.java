package dev.astrgate.config;

/** A conf file that cannot be used, with the file, the JSON path and the reason. */
public final class ConfException extends RuntimeException {
  private final String file;
  private final String jsonPath;
  private final String reason;

  public ConfException(String file, String jsonPath, String reason) {
    this(file, jsonPath == null || jsonPath.isEmpty() ? "$" : jsonPath, reason, true);
  }

  private ConfException(String file, String jsonPath, String reason, boolean normalized) {
    super(file + ": " + jsonPath + ": " + reason, null, false, false);
    this.file = file;
    this.jsonPath = jsonPath;
    this.reason = reason;
  }

  public String file() { return file; }

  public String jsonPath() { return jsonPath; }

  public String reason() { return reason; }
}
