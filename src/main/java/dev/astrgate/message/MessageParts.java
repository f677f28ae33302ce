package dev.astrgate.message;

import dev.astrgate.py.PyText;
import dev.astrgate.py.PyText;
import dev.astrgate.store.AttachmentRepository.Attachment;
import dev.astrgate.store.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Builds the parts of a proactive send strictly, as upstream's {@code build_message_chain_from_payload}: the first
 * problem in payload order is the error, with upstream's text. Output parts are the bus shape of "Platform messages"
 * in docs/architecture.md: plain {@code {type, text}}, reply {@code {type, message_id, selected_text}}, media
 * {@code {type, attachment_id, filename, mime_type, size}} with the attachment's stored type.
 */
public final class MessageParts {
  public static final Set<String> MEDIA = Set.of("image", "record", "file", "video");

  /** A payload problem; the message is upstream's ValueError text, answered as 400. */
  public static final class Invalid extends RuntimeException {
    public Invalid(String message) {
      super(message, null, false, false);
    }
  }

  private MessageParts() {
  }

  /**
   * Non-strict part building (webchat intake, §5.4): unknown or broken parts are dropped; media take the stored type.
   * {@code attachmentsMeta} looks the named attachments up in one batch.
   */
  public static Future<JsonArray> lenient(Object message,
      Function<List<String>, Future<List<Attachment>>> attachmentsMeta) {
    if (message instanceof String s) {
      String t = s.strip();
      return Future.succeededFuture(t.isEmpty() ? new JsonArray() : new JsonArray().add(new JsonObject().put("type", "plain").put("text", t)));
    }
    if (!(message instanceof JsonArray list)) {
      return Future.succeededFuture(new JsonArray());
    }
    List<String> ids = new ArrayList<>();
    for (Object o : list) {
      if (o instanceof JsonObject p && MEDIA.contains(p.getString("type")) && p.getValue("attachment_id") != null) {
        ids.add(PyText.str(p.getValue("attachment_id")));
      }
    }
    Future<List<Attachment>> found = ids.isEmpty() ? Future.succeededFuture(List.of()) : attachmentsMeta.apply(ids);
    return found.map(rows -> {
      Map<String, Attachment> byId = new HashMap<>();
      rows.forEach(a -> byId.put(a.attachmentId(), a));
      JsonArray out = new JsonArray();
      for (Object o : list) {
        if (!(o instanceof JsonObject p)) {
          continue;
        }
        String type = p.getValue("type") instanceof String t ? t : "";
        if (type.equals("plain")) {
          Object text = p.getValue("text");
          if (text != null && !PyText.str(text).isEmpty()) {
            out.add(new JsonObject().put("type", "plain").put("text", PyText.str(text)));
          }
        } else if (type.equals("reply")) {
          if (p.getValue("message_id") != null) {
            out.add(new JsonObject().put("type", "reply").put("message_id", p.getValue("message_id"))
                .put("selected_text", p.getValue("selected_text") == null ? "" : PyText.str(p.getValue("selected_text"))));
          }
        } else if (MEDIA.contains(type) && p.getValue("attachment_id") != null) {
          Attachment a = byId.get(PyText.str(p.getValue("attachment_id")));
          if (a != null) {
            out.add(new JsonObject().put("type", a.type()).put("attachment_id", a.attachmentId()).put("filename", a.filename()));
          }
        }
      }
      return out;
    });
  }

  public static Future<JsonArray> build(Object payload, StoreClient store) {
    return build(payload, id -> store.findAttachment(id));
  }

  /** Attachments are looked up one by one in payload order, so an earlier part's error always wins. */
  public static Future<JsonArray> build(Object payload, Function<String, Future<Optional<Attachment>>> attachments) {
    if (payload instanceof String s) {
      String text = s.strip();
      JsonArray parts = new JsonArray();
      if (!text.isEmpty()) {
        parts.add(new JsonObject().put("type", "plain").put("text", text));
      }
      return finish(parts);
    }
    if (!(payload instanceof JsonArray list)) {
      return Future.failedFuture(new Invalid("message must be a string or list"));
    }
    return step(list, 0, new JsonArray(), attachments).compose(MessageParts::finish);
  }

  private static Future<JsonArray> step(JsonArray list, int i, JsonArray out,
                                        Function<String, Future<Optional<Attachment>>> attachments) {
    for (; i < list.size(); i++) {
      if (!(list.getValue(i) instanceof JsonObject part)) {
        return Future.failedFuture(new Invalid("message part must be an object"));
      }
      String type = PyText.str(part.containsKey("type") ? part.getValue("type") : "").strip();
      if (type.equals("plain")) {
        String text = PyText.str(part.containsKey("text") ? part.getValue("text") : "");
        if (!text.isEmpty()) {
          out.add(new JsonObject().put("type", "plain").put("text", text));
        }
        continue;
      }
      if (type.equals("reply")) {
        Object id = part.getValue("message_id");
        if (id == null) {
          return Future.failedFuture(new Invalid("reply part missing message_id"));
        }
        out.add(new JsonObject().put("type", "reply").put("message_id", PyText.str(id))
            .put("selected_text", PyText.str(part.containsKey("selected_text") ? part.getValue("selected_text") : "")));
        continue;
      }
      if (!MEDIA.contains(type)) {
        return Future.failedFuture(new Invalid("unsupported message part type: " + type));
      }
      Object rawId = part.getValue("attachment_id");
      if (!PyText.truthy(rawId)) {
        return Future.failedFuture(new Invalid(type + " part missing attachment_id"));
      }
      int next = i + 1;
      return attachments.apply(PyText.str(rawId)).compose(found -> {
        if (found.isEmpty()) {
          return Future.failedFuture(new Invalid("attachment not found: " + PyText.str(rawId)));
        }
        Attachment a = found.get();
        out.add(new JsonObject().put("type", a.type()).put("attachment_id", a.attachmentId())
            .put("filename", a.filename()).put("mime_type", a.mimeType()).put("size", a.sizeBytes()));
        return step(list, next, out, attachments);
      });
    }
    return Future.succeededFuture(out);
  }

  /** Reply-only or empty is refused, as upstream. */
  private static Future<JsonArray> finish(JsonArray parts) {
    boolean content = parts.stream().anyMatch(p -> !"reply".equals(((JsonObject) p).getString("type")));
    return content ? Future.succeededFuture(parts)
        : Future.failedFuture(new Invalid("Message content is empty (reply only is not allowed)"));
  }

  /** Joins the plain parts' text (for platforms that send text separately from media). */
  public static String plainText(JsonArray parts) {
    StringBuilder sb = new StringBuilder();
    for (Object o : parts) {
      if (o instanceof JsonObject p && "plain".equals(p.getString("type"))) {
        sb.append(p.getString("text", ""));
      }
    }
    return sb.toString();
  }

  /**
   * Storage shape for {@code platform_message_history}, as upstream's {@code message_chain_to_storage_message_parts}:
   * plain and media parts (type, attachment_id, filename); reply parts are not stored.
   */
  public static JsonArray forHistory(JsonArray parts) {
    JsonArray out = new JsonArray();
    for (Object o : parts) {
      JsonObject p = (JsonObject) o;
      if (MEDIA.contains(p.getString("type"))) {
        out.add(new JsonObject().put("type", p.getString("type")).put("attachment_id", p.getString("attachment_id"))
            .put("filename", p.getString("filename")));
      } else if ("plain".equals(p.getString("type"))) {
        out.add(p.copy());
      }
    }
    return out;
  }

  /** The text kept in the LLM context for later turns: media are named, not embedded. */
  public static String contextText(JsonArray parts) {
    StringBuilder sb = new StringBuilder();
    for (Object o : parts) {
      JsonObject p = (JsonObject) o;
      String type = p.getString("type");
      String piece = switch (type) {
        case "plain" -> p.getString("text");
        case "reply" -> replyText(p);
        default -> mediaLabel(type, p.getString("filename"));
      };
      if (sb.length() > 0) {
        sb.append('\n');
      }
      sb.append(piece);
    }
    return sb.toString();
  }

  /** A reply part as the LLM sees it. */
  public static String replyText(JsonObject p) {
    String quoted = p.getString("selected_text", "");
    return "[Reply to message " + p.getValue("message_id") + (quoted.isEmpty() ? "]" : ": " + quoted + "]");
  }

  /** A medium as the LLM sees it when its bytes are not sent. */
  public static String mediaLabel(String type, String filename) {
    String kind = switch (type) {
      case "image" -> "Image";
      case "record" -> "Audio";
      case "video" -> "Video";
      default -> "File";
    };
    return "[" + kind + ": " + filename + "]";
  }

  /** The SSE event of a pushed medium in a webchat stream: {@code [IMAGE]}, {@code [RECORD]} or {@code [FILE]} + name. */
  public static JsonObject sseMedia(JsonObject p, String messageId) {
    String type = p.getString("type", "file");
    String tag = switch (type) {
      case "image" -> "[IMAGE]";
      case "record" -> "[RECORD]";
      default -> "[FILE]";
    };
    return new JsonObject().put("type", type.equals("image") || type.equals("record") ? type : "file")
        .put("data", tag + p.getString("filename", p.getString("attachment_id", ""))).put("streaming", true)
        .put("message_id", messageId);
  }
}
