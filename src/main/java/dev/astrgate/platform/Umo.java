package dev.astrgate.platform;

import dev.astrgate.py.PyText;
import java.util.Set;

/**
 * A unified message origin, {@code <platform id>:<message type>:<session id>}, parsed as upstream's
 * {@code MessageSession.from_str}: split on the first two colons (the session part may hold more), and the type
 * must be one of upstream's MessageType values. Parse errors carry Python's exception text.
 */
public record Umo(String platformId, String messageType, String sessionId) {
  public static final String FRIEND = "FriendMessage";
  public static final String GROUP = "GroupMessage";
  public static final String OTHER = "OtherMessage";
  private static final Set<String> TYPES = Set.of(FRIEND, GROUP, OTHER);

  /** Thrown with the text Python would give; callers prefix it with "Invalid umo: ". */
  public static final class InvalidUmo extends RuntimeException {
    InvalidUmo(String message) {
      super(message, null, false, false);
    }
  }

  public static Umo parse(String text) {
    String[] parts = text.split(":", 3);
    if (parts.length < 3) {
      throw new InvalidUmo("not enough values to unpack (expected 3, got " + parts.length + ")");
    }
    if (!TYPES.contains(parts[1])) {
      throw new InvalidUmo(PyText.repr(parts[1]) + " is not a valid MessageType");
    }
    return new Umo(parts[0], parts[1], parts[2]);
  }

  public static String of(String platformId, String messageType, String sessionId) {
    return platformId + ":" + messageType + ":" + sessionId;
  }

  public boolean group() {
    return GROUP.equals(messageType);
  }

  @Override
  public String toString() {
    return of(platformId, messageType, sessionId);
  }
}
