package dev.astrgate.platform.satori;

import dev.astrgate.py.PyText;
import dev.astrgate.store.AttachmentRepository.AttachmentBytes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Satori message elements (the XHTML-like {@code content} string) to message parts and back.
 *
 * <p>Inbound: text becomes {@code plain} (entities decoded: the four named ones, {@code &apos;}, decimal and hex),
 * {@code <at>} becomes {@code at}, {@code <quote id>} becomes {@code reply} (its children are the quoted text, not
 * content), {@code <img>}/{@code <audio>}/{@code <video>}/{@code <file>} become image/record/video/file by
 * {@code url}. Layout and decoration elements keep their children's text ({@code <br>} and {@code <p>} as line
 * breaks); an unpaired tag is text, as the spec says. Outbound is the reverse; stored attachments travel inline as
 * {@code data:} URLs.
 */
public final class SatoriElements {
  private static final int MAX_DEPTH = 64;

  private SatoriElements() {
  }

  /** One parsed element: a tag with attributes and children, or a text run ({@code name == null}). */
  record Node(String name, Map<String, String> attrs, List<Node> children, String text) {
    static Node text(String t) {
      return new Node(null, Map.of(), List.of(), t);
    }
  }

  // ---- encoding ---------------------------------------------------------------------------------------------

  /** Text content: {@code & < >} escaped (what a Satori server unescapes); {@code "} only matters in attributes. */
  public static String escapeText(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  public static String escapeAttr(String s) {
    return escapeText(s).replace("\"", "&quot;");
  }

  /**
   * The {@code content} of a message.create for these parts, in part order. {@code files} holds the bytes of the
   * stored attachments the parts name (by attachment id); a medium without bytes or url is skipped.
   */
  public static String encode(JsonArray parts, Map<String, AttachmentBytes> files) {
    StringBuilder out = new StringBuilder();
    for (Object o : parts) {
      if (!(o instanceof JsonObject p)) {
        continue;
      }
      String type = p.getString("type", "");
      switch (type) {
        case "plain" -> out.append(escapeText(p.getString("text", "")));
        case "at" -> {
          String id = PyText.str(p.getValue("user_id"));
          if ("all".equals(id)) {
            out.append("<at type=\"all\"/>");
          } else {
            out.append("<at id=\"").append(escapeAttr(id)).append('"');
            if (p.getValue("name") instanceof String n && !n.isEmpty()) {
              out.append(" name=\"").append(escapeAttr(n)).append('"');
            }
            out.append("/>");
          }
        }
        case "reply" -> out.append("<quote id=\"").append(escapeAttr(PyText.str(p.getValue("message_id")))).append("\"/>");
        case "image", "record", "video", "file" -> media(out, type, p, files);
        default -> {
          // parts this platform cannot show (unknown) are left out
        }
      }
    }
    return out.toString();
  }

  private static void media(StringBuilder out, String type, JsonObject p, Map<String, AttachmentBytes> files) {
    String tag = switch (type) {
      case "image" -> "img";
      case "record" -> "audio";
      default -> type;
    };
    String src = null;
    String title = p.getValue("filename") instanceof String f ? f : p.getValue("name") instanceof String n ? n : null;
    if (p.getValue("attachment_id") instanceof String id && files.containsKey(id)) {
      AttachmentBytes a = files.get(id);
      String mime = a.meta().mimeType() == null || a.meta().mimeType().isBlank()
          ? "application/octet-stream" : a.meta().mimeType();
      src = "data:" + mime + ";base64," + Base64.getEncoder().encodeToString(a.data().getBytes());
      if (title == null) {
        title = a.meta().filename();
      }
    } else if (p.getValue("url") instanceof String u && !u.isEmpty()) {
      src = u;
    } else if (p.getValue("file") instanceof String f && !f.isEmpty()) {
      src = f;
    }
    if (src == null) {
      return;
    }
    out.append('<').append(tag).append(" src=\"").append(escapeAttr(src)).append('"');
    if (title != null && !title.isEmpty()) {
      out.append(" title=\"").append(escapeAttr(title)).append('"');
    }
    out.append("/>");
  }

  // ---- decoding ---------------------------------------------------------------------------------------------

  /** The parts of a received {@code content}; never fails (malformed markup reads as text). */
  public static JsonArray decode(String content) {
    JsonArray parts = new JsonArray();
    if (content == null || content.isEmpty()) {
      return parts;
    }
    StringBuilder text = new StringBuilder();
    for (Node n : parse(content)) {
      toParts(n, parts, text, 0);
    }
    flush(parts, text);
    return parts;
  }

  private static void flush(JsonArray parts, StringBuilder text) {
    if (!text.isEmpty()) {
      parts.add(new JsonObject().put("type", "plain").put("text", text.toString()));
      text.setLength(0);
    }
  }

  private static void toParts(Node n, JsonArray parts, StringBuilder text, int depth) {
    if (n.name() == null) {
      text.append(n.text());
      return;
    }
    if (depth > MAX_DEPTH) {
      return;
    }
    Map<String, String> a = n.attrs();
    switch (n.name()) {
      case "at" -> {
        flush(parts, text);
        JsonObject at = new JsonObject().put("type", "at");
        if ("all".equals(a.get("type"))) {
          at.put("user_id", "all");
        } else {
          at.put("user_id", a.getOrDefault("id", a.getOrDefault("name", "")));
        }
        if (a.containsKey("name")) {
          at.put("name", a.get("name"));
        }
        parts.add(at);
      }
      case "quote" -> {
        flush(parts, text);
        StringBuilder quoted = new StringBuilder();
        n.children().forEach(c -> textOf(c, quoted, depth + 1));
        parts.add(new JsonObject().put("type", "reply").put("message_id", a.getOrDefault("id", ""))
            .put("selected_text", quoted.toString()));
      }
      case "img", "image", "audio", "record", "video", "file" -> {
        String src = a.get("src");
        if (src == null || src.isEmpty()) {
          return;
        }
        flush(parts, text);
        String type = switch (n.name()) {
          case "img", "image" -> "image";
          case "audio", "record" -> "record";
          default -> n.name();
        };
        JsonObject m = new JsonObject().put("type", type).put("url", src);
        String title = a.containsKey("title") ? a.get("title") : a.get("name");
        if (title != null) {
          m.put("name", title);
        }
        parts.add(m);
      }
      case "br" -> text.append('\n');
      case "p" -> {
        if (!text.isEmpty() && text.charAt(text.length() - 1) != '\n') {
          text.append('\n');
        }
        n.children().forEach(c -> toParts(c, parts, text, depth + 1));
        text.append('\n');
      }
      case "author", "button" -> {
        // metadata and interaction, not message content
      }
      case "sharp" -> text.append('#').append(a.getOrDefault("name", a.getOrDefault("id", "")));
      default -> n.children().forEach(c -> toParts(c, parts, text, depth + 1));
    }
  }

  private static void textOf(Node n, StringBuilder out, int depth) {
    if (n.name() == null) {
      out.append(n.text());
    } else if (depth <= MAX_DEPTH && !"author".equals(n.name())) {
      n.children().forEach(c -> textOf(c, out, depth + 1));
    }
  }

  /** Parses the markup into a forest; a closing tag with no open match, or a tag left open, is text. */
  static List<Node> parse(String s) {
    List<Frame> stack = new ArrayList<>();
    stack.add(new Frame(null, Map.of(), ""));
    int i = 0;
    StringBuilder raw = new StringBuilder();
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c != '<') {
        raw.append(c);
        i++;
        continue;
      }
      if (s.startsWith("<!--", i)) {
        int end = s.indexOf("-->", i + 4);
        if (end < 0) {
          raw.append(s, i, s.length());
          break;
        }
        i = end + 3;
        continue;
      }
      Tag tag = Tag.read(s, i);
      if (tag == null) {
        raw.append(c);
        i++;
        continue;
      }
      addText(stack, raw);
      Frame top = stack.get(stack.size() - 1);
      if (tag.closing()) {
        int at = -1;
        for (int k = stack.size() - 1; k > 0; k--) {
          if (stack.get(k).name.equals(tag.name())) {
            at = k;
            break;
          }
        }
        if (at < 0) {
          top.children.add(Node.text(s.substring(i, tag.end())));
        } else {
          while (stack.size() > at) {
            Frame f = stack.remove(stack.size() - 1);
            Frame parent = stack.get(stack.size() - 1);
            if (stack.size() == at) {
              parent.children.add(new Node(f.name, f.attrs, List.copyOf(f.children), null));
            } else {
              // an element opened inside and never closed: its start tag was text
              parent.children.add(Node.text(f.source));
              parent.children.addAll(f.children);
            }
          }
        }
      } else if (tag.selfClosing()) {
        top.children.add(new Node(tag.name(), tag.attrs(), List.of(), null));
      } else {
        stack.add(new Frame(tag.name(), tag.attrs(), s.substring(i, tag.end())));
      }
      i = tag.end();
    }
    addText(stack, raw);
    while (stack.size() > 1) {
      Frame f = stack.remove(stack.size() - 1);
      Frame parent = stack.get(stack.size() - 1);
      parent.children.add(Node.text(f.source));
      parent.children.addAll(f.children);
    }
    return mergeText(stack.get(0).children);
  }

  private static List<Node> mergeText(List<Node> nodes) {
    List<Node> out = new ArrayList<>();
    for (Node n : nodes) {
      if (n.name() == null && !out.isEmpty() && out.get(out.size() - 1).name() == null) {
        out.set(out.size() - 1, Node.text(out.get(out.size() - 1).text() + n.text()));
      } else {
        out.add(n);
      }
    }
    return out;
  }

  private static void addText(List<Frame> stack, StringBuilder raw) {
    if (!raw.isEmpty()) {
      stack.get(stack.size() - 1).children.add(Node.text(unescape(raw.toString())));
      raw.setLength(0);
    }
  }

  private static final class Frame {
    final String name;
    final Map<String, String> attrs;
    final String source;
    final List<Node> children = new ArrayList<>();

    Frame(String name, Map<String, String> attrs, String source) {
      this.name = name;
      this.attrs = attrs;
      this.source = source;
    }
  }

  /** A start, end or self-closing tag read at a {@code <}; null when the text there is not a tag. */
  private record Tag(String name, Map<String, String> attrs, boolean closing, boolean selfClosing, int end) {
    static Tag read(String s, int start) {
      int i = start + 1;
      boolean closing = i < s.length() && s.charAt(i) == '/';
      if (closing) {
        i++;
      }
      int nameStart = i;
      while (i < s.length() && isNameChar(s.charAt(i), i == nameStart)) {
        i++;
      }
      if (i == nameStart) {
        return null;
      }
      String name = s.substring(nameStart, i).toLowerCase(Locale.ROOT);
      Map<String, String> attrs = new LinkedHashMap<>();
      while (true) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
          i++;
        }
        if (i >= s.length()) {
          return null;
        }
        char c = s.charAt(i);
        if (c == '>') {
          return new Tag(name, attrs, closing, false, i + 1);
        }
        if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '>' && !closing) {
          return new Tag(name, attrs, false, true, i + 2);
        }
        if (closing) {
          return null;
        }
        int keyStart = i;
        while (i < s.length() && !Character.isWhitespace(s.charAt(i)) && "=/>".indexOf(s.charAt(i)) < 0) {
          i++;
        }
        if (i == keyStart) {
          return null;
        }
        String key = s.substring(keyStart, i);
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
          i++;
        }
        if (i < s.length() && s.charAt(i) == '=') {
          i++;
          while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
          }
          if (i >= s.length()) {
            return null;
          }
          char q = s.charAt(i);
          if (q == '"' || q == '\'') {
            int close = s.indexOf(q, i + 1);
            if (close < 0) {
              return null;
            }
            attrs.put(key, unescape(s.substring(i + 1, close)));
            i = close + 1;
          } else {
            int vStart = i;
            while (i < s.length() && !Character.isWhitespace(s.charAt(i)) && s.charAt(i) != '>'
                && !(s.charAt(i) == '/' && i + 1 < s.length() && s.charAt(i + 1) == '>')) {
              i++;
            }
            attrs.put(key, unescape(s.substring(vStart, i)));
          }
        } else {
          attrs.put(key, "");
        }
      }
    }

    private static boolean isNameChar(char c, boolean first) {
      if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
        return true;
      }
      return !first && (c >= '0' && c <= '9' || c == '-' || c == ':' || c == '_');
    }
  }

  /** Decodes {@code &quot; &amp; &lt; &gt; &apos;} and numeric references; anything else stays as written. */
  public static String unescape(String s) {
    int amp = s.indexOf('&');
    if (amp < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      int semi = c == '&' ? s.indexOf(';', i + 1) : -1;
      if (semi < 0 || semi - i > 12) {
        out.append(c);
        i++;
        continue;
      }
      String ref = s.substring(i + 1, semi);
      String decoded = switch (ref) {
        case "quot" -> "\"";
        case "amp" -> "&";
        case "lt" -> "<";
        case "gt" -> ">";
        case "apos" -> "'";
        default -> numeric(ref);
      };
      if (decoded == null) {
        out.append(c);
        i++;
      } else {
        out.append(decoded);
        i = semi + 1;
      }
    }
    return out.toString();
  }

  private static String numeric(String ref) {
    if (ref.length() < 2 || ref.charAt(0) != '#') {
      return null;
    }
    try {
      int cp = ref.charAt(1) == 'x' || ref.charAt(1) == 'X'
          ? Integer.parseInt(ref.substring(2), 16) : Integer.parseInt(ref.substring(1));
      return Character.isValidCodePoint(cp) ? new String(Character.toChars(cp)) : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
