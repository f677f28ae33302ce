package dev.astrgate.http;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** Makes a client-supplied file name safe to show and store: base name only, no controls, bounded length. */
public final class Filenames {
  private static final int MAX_BYTES = 200;

  private Filenames() {
  }

  public static String sanitize(String clientName) {
    String name = clientName == null ? "" : clientName;
    int cut = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
    name = name.substring(cut + 1);
    name = name.codePoints().filter(c -> c >= 0x20 && c != 0x7f)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString().strip();
    if (name.isEmpty() || name.equals(".") || name.equals("..")) {
      return UUID.randomUUID().toString();
    }
    return truncate(name);
  }

  /** Keeps the extension when a name is over the limit. */
  private static String truncate(String name) {
    if (name.getBytes(StandardCharsets.UTF_8).length <= MAX_BYTES) {
      return name;
    }
    int dot = name.lastIndexOf('.');
    String ext = dot > 0 && name.length() - dot <= 16 ? name.substring(dot) : "";
    String stem = ext.isEmpty() ? name : name.substring(0, dot);
    StringBuilder sb = new StringBuilder();
    int budget = MAX_BYTES - ext.getBytes(StandardCharsets.UTF_8).length;
    for (int i = 0; i < stem.length(); ) {
      int cp = stem.codePointAt(i);
      String ch = new String(Character.toChars(cp));
      budget -= ch.getBytes(StandardCharsets.UTF_8).length;
      if (budget < 0) {
        break;
      }
      sb.append(ch);
      i += Character.charCount(cp);
    }
    return sb + ext;
  }

  /** Attachment type from the declared MIME type only, as upstream (no sniffing). */
  public static String typeOf(String mimeType) {
    String m = mimeType == null ? "" : mimeType.toLowerCase(java.util.Locale.ROOT);
    if (m.startsWith("image/")) {
      return "image";
    }
    if (m.startsWith("audio/")) {
      return "record";
    }
    if (m.startsWith("video/")) {
      return "video";
    }
    return "file";
  }
}
