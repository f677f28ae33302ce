package dev.astrgate.platform.onebot;

import dev.astrgate.py.PyText;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** OneBot v11 message formats: CQ strings and segment arrays in, our bus parts out, and back. */
public final class OneBotCodec {
  private OneBotCodec() {
  }

  /** A {@code message} field as segments: an array as is, a CQ-code string parsed, anything else empty. */
  public static JsonArray segments(Object message) {
    if (message instanceof JsonArray a) {
      return a;
    }
    if (message instanceof String s) {
      return parseCq(s);
    }
    return new JsonArray();
  }

  /** Parses {@code text[CQ:type,key=value,…]text}; text and values are unescaped ({@code &amp; &#91; &#93; &#44;}). */
  public static JsonArray parseCq(String s) {
    JsonArray out = new JsonArray();
    int i = 0;
    while (i < s.length()) {
      int start = s.indexOf("[CQ:", i);
      int end = start < 0 ? -1 : s.indexOf(']', start);
      if (start < 0 || end < 0) {
        addText(out, s.substring(i));
        break;
      }
      addText(out, s.substring(i, start));
      String body = s.substring(start + 4, end);
      String[] fields = body.split(",", -1);
      JsonObject data = new JsonObject();
      for (int f = 1; f < fields.length; f++) {
        int eq = fields[f].indexOf('=');
        if (eq > 0) {
          data.put(fields[f].substring(0, eq), unescape(fields[f].substring(eq + 1), true));
        }
      }
      out.add(new JsonObject().put("type", fields[0].strip()).put("data", data));
      i = end + 1;
    }
    return out;
  }

  private static void addText(JsonArray out, String raw) {
    if (!raw.isEmpty()) {
      out.add(new JsonObject().put("type", "text").put("data", new JsonObject().put("text", unescape(raw, false))));
    }
  }

  static String unescape(String s, boolean value) {
    String r = s.replace("&#91;", "[").replace("&#93;", "]");
    if (value) {
      r = r.replace("&#44;", ",");
    }
    return r.replace("&amp;", "&");
  }

  /** Result of reading an inbound message: our parts, the plain text, and whether the bot was @-mentioned. */
  public record Inbound(JsonArray parts, String text, boolean mentioned) {
  }

  public static Inbound read(JsonArray segments, String selfId) {
    JsonArray parts = new JsonArray();
    StringBuilder text = new StringBuilder();
    boolean mentioned = false;
    for (Object o : segments) {
      if (!(o instanceof JsonObject seg)) {
        continue;
      }
      String type = PyText.str(seg.getValue("type"));
      JsonObject data = seg.getValue("data") instanceof JsonObject d ? d : new JsonObject();
      switch (type) {
        case "text" -> {
          String t = PyText.str(data.getValue("text", ""));
          text.append(t);
          parts.add(new JsonObject().put("type", "plain").put("text", t));
        }
        case "at" -> {
          String qq = PyText.str(data.getValue("qq", ""));
          mentioned |= qq.equals(selfId);
          parts.add(new JsonObject().put("type", "at").put("user_id", qq));
        }
        case "reply" -> parts.add(new JsonObject().put("type", "reply").put("message_id", PyText.str(data.getValue("id", ""))));
        case "image", "record", "video", "file" -> {
          JsonObject p = new JsonObject().put("type", type);
          for (String k : new String[] {"url", "file", "name"}) {
            if (data.getValue(k) != null) {
              p.put(k, PyText.str(data.getValue(k)));
            }
          }
          parts.add(p);
        }
        default -> parts.add(new JsonObject().put("type", "unknown").put("onebot_type", type).put("data", data));
      }
    }
    return new Inbound(parts, text.toString(), mentioned);
  }

  /** One outbound segment; media parts must already carry {@code file} ({@code base64://…} or a URL). */
  public static JsonObject segment(JsonObject part) {
    String type = part.getString("type");
    JsonObject data = new JsonObject();
    switch (type) {
      case "plain" -> {
        return new JsonObject().put("type", "text").put("data", data.put("text", part.getString("text", "")));
      }
      case "reply" -> data.put("id", PyText.str(part.getValue("message_id")));
      case "at" -> data.put("qq", PyText.str(part.getValue("user_id")));
      case "image", "record", "video" -> data.put("file", part.getString("file"));
      case "file" -> data.put("file", part.getString("file")).put("name", part.getString("filename", "file"));
      default -> throw new IllegalArgumentException("unsupported part type for OneBot: " + type);
    }
    return new JsonObject().put("type", type).put("data", data);
  }

  /** OneBot ids are numbers; a non-numeric target is passed as a string for the protocol end to judge. */
  public static Object id(String s) {
    return s.matches("\\d{1,18}") ? (Object) Long.parseLong(s) : s;
  }
}
